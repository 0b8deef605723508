import type { AddressInfo } from 'node:net'
import ssh2, { type Connection } from 'ssh2'
import type { Clock } from '../lib/clock.js'
import type { Logger } from '../lib/logger.js'
import type { PodRuntime } from '../runtime/pod-runtime.js'
import type { ShellSessions } from '../shell/shell-sessions.js'
import { SshAuthenticator } from './ssh-auth.js'
import type { SshFeature } from './ssh-feature.js'
import { SshForwarder } from './ssh-forward.js'
import type { SshPodsRepository } from './ssh-pods.repository.js'
import { serveSession } from './ssh-session.js'

export interface GatewayDeps {
  feature: SshFeature
  pods: SshPodsRepository
  runtime: PodRuntime
  shells: ShellSessions
  clock: Clock
  log: Logger
  connectTimeoutMs: number
}

/** Clients that never finish signing in are dropped after this long. */
const AUTH_TIMEOUT_MS = 60_000

/**
 * The SSH gateway (ADR 0015): an ssh2 server in the control plane. The user name is a pod id or
 * pod name; the key must be registered on the account that owns the pod (or an admin's). Every
 * session is an exec through the runtime, so no image needs sshd, and every runtime works the
 * same way. `direct-tcpip` forwards reach the pod's exposed ports where the proxy reaches them.
 */
export class SshGateway {
  private readonly server: ssh2.Server
  private readonly connections = new Set<Connection>()

  constructor(private readonly deps: GatewayDeps) {
    const hostKey = deps.feature.hostKey()
    this.server = new ssh2.Server({ hostKeys: [hostKey.privateKey], ident: 'NeuroPod' }, (client, info) =>
      this.accept(client, info.ip),
    )
    this.server.on('error', (error: Error) => deps.log.error({ err: error }, 'ssh gateway error'))
  }

  async listen(port: number, host: string): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(port, host, () => {
        this.server.off('error', reject)
        resolve()
      })
    })
    const bound = (this.server.address() as AddressInfo).port
    this.deps.feature.listeningPort = bound
    return bound
  }

  async close(): Promise<void> {
    this.deps.feature.listeningPort = null
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()))
    for (const client of this.connections) client.end()
    await closed
  }

  private accept(client: Connection, remoteAddress: string): void {
    this.connections.add(client)
    // Keystrokes are single bytes: without this, Nagle's algorithm holds each echo back until the
    // previous one is acknowledged (OpenSSH sets TCP_NODELAY on interactive sessions too).
    const socketOptions = client as Connection & { setNoDelay(noDelay: boolean): void }
    socketOptions.setNoDelay(true)
    const log = this.deps.log
    const auth = new SshAuthenticator({
      keys: this.deps.feature.keyStore,
      pods: this.deps.pods,
      clock: this.deps.clock,
      log,
      remoteAddress,
    })
    const timer = setTimeout(() => client.end(), AUTH_TIMEOUT_MS)
    timer.unref()
    let forwarder: SshForwarder | null = null
    client.on('authentication', (ctx) => void auth.handle(ctx))
    client.on('ready', () => {
      clearTimeout(timer)
      const identity = auth.identity
      if (!identity) {
        client.end()
        return
      }
      const disconnect = () => client.end()
      log.info(
        { userId: identity.owner.userId, podId: identity.pod.id, from: remoteAddress },
        'ssh signed in',
      )
      client.on('session', (accept) =>
        serveSession(accept(), {
          identity,
          runtime: this.deps.runtime,
          shells: this.deps.shells,
          log,
          remoteAddress,
          disconnect,
        }),
      )
      forwarder = new SshForwarder({
        identity,
        runtime: this.deps.runtime,
        shells: this.deps.shells,
        log,
        remoteAddress,
        connectTimeoutMs: this.deps.connectTimeoutMs,
        disconnect,
      })
      forwarder.attach(client)
      // Remote forwarding (-R) would expose the user's machine to the pod: not offered.
      client.on('request', (_accept, reject) => reject?.())
    })
    client.on('error', (error) => log.debug({ err: error }, 'ssh connection error'))
    client.on('close', () => {
      clearTimeout(timer)
      this.connections.delete(client)
      void forwarder?.close()
    })
  }
}
