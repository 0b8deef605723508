import type { SshKey } from '@neuropod/contracts'
import type { AuditLog } from '../audit/audit-log.js'
import type { Principal } from '../auth/principal.js'
import type { Transactions } from '../db/transaction.js'
import { AppError, badRequest, notFound } from '../errors.js'
import type { Clock } from '../lib/clock.js'
import { newUuid } from '../lib/ids.js'
import type { Bus } from '../realtime/bus.js'
import { PublicKeyError, parsePublicKey } from './public-key.js'
import type { SshKeyRow, SshKeysRepository } from './ssh-keys.repository.js'

const MAX_KEYS_PER_USER = 50

/** Users' SSH public keys: add (validated, one account per key), list, delete. */
export class SshKeysService {
  constructor(
    private readonly deps: {
      keys: SshKeysRepository
      transactions: Transactions
      clock: Clock
      audit: AuditLog
      bus: Bus
    },
  ) {}

  async list(principal: Principal): Promise<SshKey[]> {
    return (await this.deps.keys.listOf(principal.userId)).map(sshKeyView)
  }

  async add(principal: Principal, input: { publicKey: string; name?: string }): Promise<SshKey> {
    let parsed: ReturnType<typeof parsePublicKey>
    try {
      parsed = parsePublicKey(input.publicKey)
    } catch (error) {
      if (error instanceof PublicKeyError)
        throw badRequest(error.message, [{ field: 'publicKey', message: error.message }])
      throw error
    }
    if ((await this.deps.keys.countOf(principal.userId)) >= MAX_KEYS_PER_USER)
      throw new AppError('CONFLICT', 409, `You already have ${MAX_KEYS_PER_USER} SSH keys; delete one first`)
    const name = input.name?.trim() || parsed.comment || parsed.algorithm
    const row = await this.deps.transactions.run(async (tx) => {
      const inserted = await this.deps.keys.insert(
        {
          id: newUuid(),
          user_id: principal.userId,
          name: name.slice(0, 60),
          algorithm: parsed.algorithm,
          public_key: parsed.blob.toString('base64'),
          fingerprint: parsed.fingerprint,
          comment: parsed.comment,
          created_at: this.deps.clock.now(),
          last_used_at: null,
        },
        tx,
      )
      if (inserted)
        await this.deps.audit.record(
          principal.userId,
          'SSH_KEY_ADDED',
          'ssh_key',
          inserted.id,
          { fingerprint: inserted.fingerprint },
          tx.trx,
        )
      return inserted
    })
    if (!row) throw new AppError('CONFLICT', 409, `This key (${parsed.fingerprint}) is already registered`)
    return sshKeyView(row)
  }

  async delete(principal: Principal, id: string): Promise<void> {
    const deleted = await this.deps.transactions.run(async (tx) => {
      if (!(await this.deps.keys.delete(principal.userId, id, tx))) return false
      await this.deps.audit.record(principal.userId, 'SSH_KEY_DELETED', 'ssh_key', id, {}, tx.trx)
      return true
    })
    if (!deleted) throw notFound('SSH key not found')
    // After the commit: every replica closes the sessions signed in with this key.
    this.deps.bus.publish({ kind: 'ssh-key-deleted', userId: principal.userId, keyId: id })
  }
}

function sshKeyView(row: SshKeyRow): SshKey {
  return {
    id: row.id,
    name: row.name,
    algorithm: row.algorithm,
    fingerprint: row.fingerprint,
    comment: row.comment,
    createdAt: new Date(row.created_at).toISOString(),
    lastUsedAt: row.last_used_at ? new Date(row.last_used_at).toISOString() : null,
  }
}
