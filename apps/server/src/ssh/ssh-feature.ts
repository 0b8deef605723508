import type { SshInfo } from '@neuropod/contracts'
import type { Kysely } from 'kysely'
import type { AuditLog } from '../audit/audit-log.js'
import type { Config } from '../config.js'
import type { Database } from '../db/schema.js'
import { transactionsOn } from '../db/transaction.js'
import type { Clock } from '../lib/clock.js'
import type { Bus } from '../realtime/bus.js'
import { type HostKey, loadHostKey } from './host-key.js'
import { SshKeysRepository } from './ssh-keys.repository.js'
import { SshKeysService } from './ssh-keys.service.js'

/**
 * What the platform holds for SSH: the users' keys, the gateway's host key (only when the gateway
 * is on) and where users reach it. The gateway itself starts with the HTTP server.
 */
export class SshFeature {
  readonly keyStore: SshKeysRepository
  readonly keys: SshKeysService
  /** Loaded when the gateway starts (never by tools that build the app without listening) */
  private loadedHostKey: HostKey | null = null
  /** The port the gateway listens on, once it does (NEUROPOD_SSH_PORT=0 picks one) */
  listeningPort: number | null = null

  constructor(
    private readonly config: Config,
    deps: { db: Kysely<Database>; clock: Clock; audit: AuditLog; bus: Bus },
  ) {
    this.keyStore = new SshKeysRepository(deps.db)
    this.keys = new SshKeysService({
      keys: this.keyStore,
      transactions: transactionsOn(deps.db),
      clock: deps.clock,
      audit: deps.audit,
      bus: deps.bus,
    })
  }

  /** Whether this server runs the gateway (NEUROPOD_SSH_PORT set, or development) */
  get configured(): boolean {
    return this.config.ssh.port !== null
  }

  /** The host key, generated on first use into the data directory unless a file is configured. */
  hostKey(): HostKey {
    this.loadedHostKey ??= loadHostKey(this.config.ssh, this.config.dataDir)
    return this.loadedHostKey
  }

  info(): SshInfo {
    const hostKey = this.loadedHostKey
    if (!hostKey || this.listeningPort === null)
      return { enabled: false, host: null, port: null, hostKeyFingerprint: null, hostKeyAlgorithm: null }
    return {
      enabled: true,
      host: this.config.ssh.publicHost ?? new URL(this.config.publicUrl).hostname,
      port: this.listeningPort,
      hostKeyFingerprint: hostKey.fingerprint,
      hostKeyAlgorithm: hostKey.algorithm,
    }
  }
}
