import net from 'node:net'
import type { Connection, TcpipRequestInfo } from 'ssh2'
import type { Logger } from '../lib/logger.js'
import type { PodRuntime } from '../runtime/pod-runtime.js'
import type { ShellHandle, ShellSessions } from '../shell/shell-sessions.js'
import type { SshIdentity } from './ssh-auth.js'

/**
 * `ssh -L local:host:port`: each forwarded connection reaches the pod's port `port` where the
 * proxy reaches it (the runtime's endpoint for that port). Only ports the pod exposes; the host
 * part is ignored (it names the pod either way). One audit record per forwarded port and SSH
 * connection, not per TCP connection (a browser opens many).
 */
export class SshForwarder {
  private readonly records = new Map<number, Promise<ShellHandle>>()
  private readonly sockets = new Set<net.Socket>()

  constructor(
    private readonly deps: {
      identity: SshIdentity
      runtime: PodRuntime
      shells: ShellSessions
      log: Logger
      remoteAddress: string
      connectTimeoutMs: number
      disconnect: () => void
    },
  ) {}

  attach(client: Connection): void {
    client.on('tcpip', (accept, reject, info: TcpipRequestInfo) => void this.forward(accept, reject, info))
  }

  private async forward(
    accept: () => import('ssh2').ServerChannel,
    reject: () => void,
    info: TcpipRequestInfo,
  ): Promise<void> {
    const { pod } = this.deps.identity
    const port = Number(info.destPort)
    if (!pod.ports.includes(port)) return reject()
    const endpoint = await this.deps.runtime.endpoint(pod.id, port).catch(() => null)
    if (!endpoint) return reject()
    const handle = await this.record(port)
    const socket = net.connect({ host: endpoint.host, port: endpoint.port })
    socket.setTimeout(this.deps.connectTimeoutMs, () => socket.destroy())
    this.sockets.add(socket)
    socket.once('close', () => this.sockets.delete(socket))
    socket.once('error', () => reject())
    socket.once('connect', () => {
      socket.setTimeout(0)
      socket.removeAllListeners('error')
      const channel = accept()
      socket.on('error', () => channel.destroy())
      channel.on('error', () => socket.destroy())
      channel.on('data', () => handle.active())
      socket.on('data', () => handle.active())
      channel.pipe(socket).pipe(channel)
    })
  }

  private record(port: number): Promise<ShellHandle> {
    let record = this.records.get(port)
    if (!record) {
      record = this.deps.shells.start({
        userId: this.deps.identity.owner.userId,
        podId: this.deps.identity.pod.id,
        kind: 'ssh',
        detail: `forward to port ${port}`,
        remoteAddress: this.deps.remoteAddress,
        sshKeyId: this.deps.identity.owner.keyId,
        close: () => this.deps.disconnect(),
      })
      this.records.set(port, record)
    }
    return record
  }

  /** The SSH connection closed: forwarded connections and their records end. */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy()
    await Promise.all([...this.records.values()].map(async (r) => (await r).end()))
    this.records.clear()
  }
}
