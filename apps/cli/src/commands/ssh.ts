import { spawn } from 'node:child_process'
import type { Pod, SshInfo } from '@neuropod/contracts'
import { apiPath } from '../api-path.js'
import { need, parseOptions } from '../args.js'
import { type Command, signedInClient } from '../context.js'

const POD_ID = /^[a-f0-9]{16}$/

/**
 * `neuropod ssh <pod> [-i key] [-- command…]`: runs the system `ssh` against the platform's SSH
 * gateway as `<podId>@<host> -p <port>`. The pod may be named by id or by name (one of yours).
 * NEUROPOD_SSH_BIN replaces the `ssh` program (as GIT_SSH does for git).
 */
export const ssh: Command = async (args, ctx) => {
  const dashes = args.indexOf('--')
  const own = dashes < 0 ? args : args.slice(0, dashes)
  const remote = dashes < 0 ? [] : args.slice(dashes + 1)
  const { values, positionals } = parseOptions(own, { identity: { type: 'string', short: 'i' } })
  const target = need(positionals[0], 'pod id or name')
  const api = signedInClient(ctx)
  const info = (await api.get<{ data: SshInfo }>('/api/ssh/info')).data
  if (!info.enabled || !info.host || !info.port)
    throw new Error('SSH is not enabled on this NeuroPod (the administrator sets NEUROPOD_SSH_PORT)')
  const podId = await resolvePod(api, target)
  const argv = [
    ...(values.identity ? ['-i', values.identity] : []),
    '-p',
    String(info.port),
    `${podId}@${info.host}`,
    ...(remote.length > 0 ? ['--', ...remote] : []),
  ]
  if (info.hostKeyFingerprint)
    ctx.err(`Gateway host key: ${info.hostKeyAlgorithm} ${info.hostKeyFingerprint}`)
  return new Promise((resolve, reject) => {
    const child = spawn(ctx.env.NEUROPOD_SSH_BIN || 'ssh', argv, { stdio: 'inherit', env: ctx.env })
    child.on('error', (error) => reject(new Error(`Cannot run ssh: ${error.message}`)))
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 255 : 0)))
  })
}

async function resolvePod(api: ReturnType<typeof signedInClient>, target: string): Promise<string> {
  if (POD_ID.test(target)) return (await api.get<{ data: Pod }>(apiPath`/api/pods/${target}`)).data.podId
  const pods = (await api.get<{ data: Pod[] }>('/api/pods')).data.filter((p) => p.podName === target)
  if (pods.length === 0) throw new Error(`No pod named "${target}"`)
  if (pods.length > 1) throw new Error(`${pods.length} pods are named "${target}": use the pod id`)
  return pods[0]!.podId
}
