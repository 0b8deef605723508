import { queryOptions } from '@tanstack/react-query'
import { api } from '../api'
import type { ShellSessionsFilter } from '../types'

export const sshKeys = {
  info: ['ssh', 'info'] as const,
  keys: ['ssh', 'keys'] as const,
  sessions: (filter: ShellSessionsFilter) => ['ssh', 'sessions', filter] as const,
}

/** Where the SSH gateway listens and its host key (public; `enabled: false` when it is off). */
export const sshInfoQuery = () =>
  queryOptions({ queryKey: sshKeys.info, queryFn: api.ssh.info, staleTime: 5 * 60_000 })

export const sshKeysQuery = () => queryOptions({ queryKey: sshKeys.keys, queryFn: api.ssh.keys })

export const shellSessionsQuery = (filter: ShellSessionsFilter) =>
  queryOptions({ queryKey: sshKeys.sessions(filter), queryFn: () => api.ssh.sessions(filter) })
