import type { SshInfo } from '../../api/types'

/** The exact command that opens a shell in a pod through the gateway, or null when it is off. */
export function sshCommand(info: SshInfo | undefined, pod: string): string | null {
  if (!info?.enabled || !info.host || info.port === null) return null
  return info.port === 22 ? `ssh ${pod}@${info.host}` : `ssh ${pod}@${info.host} -p ${info.port}`
}
