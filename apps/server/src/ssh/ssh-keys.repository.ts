import type { Kysely, Selectable } from 'kysely'
import type { Database, SshKeysTable } from '../db/schema.js'
import { executor, type Tx } from '../db/transaction.js'

export type SshKeyRow = Selectable<SshKeysTable>

/** The user a key signs in, when the key is registered and the account may sign in. */
export interface KeyOwner {
  keyId: string
  userId: string
  email: string
  name: string
  role: 'client' | 'admin'
}

/** SQL of the ssh_keys table. */
export class SshKeysRepository {
  constructor(private readonly db: Kysely<Database>) {}

  listOf(userId: string): Promise<SshKeyRow[]> {
    return this.db
      .selectFrom('ssh_keys')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .execute()
  }

  async countOf(userId: string): Promise<number> {
    const row = await this.db
      .selectFrom('ssh_keys')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow()
    return Number(row.n)
  }

  /** Inserts the key; null when its fingerprint is already registered (by anyone). */
  async insert(row: SshKeyRow, tx?: Tx): Promise<SshKeyRow | null> {
    const inserted = await executor(this.db, tx)
      .insertInto('ssh_keys')
      .values(row)
      .onConflict((oc) => oc.column('fingerprint').doNothing())
      .returningAll()
      .executeTakeFirst()
    return inserted ?? null
  }

  /** True when the user had this key. */
  async delete(userId: string, id: string, tx?: Tx): Promise<boolean> {
    const row = await executor(this.db, tx)
      .deleteFrom('ssh_keys')
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .returning('id')
      .executeTakeFirst()
    return row !== undefined
  }

  /** The active (not suspended, not deleted) account a key blob belongs to. */
  async ownerOf(fingerprint: string, publicKey: string): Promise<KeyOwner | null> {
    const row = await this.db
      .selectFrom('ssh_keys')
      .innerJoin('users', 'users.id', 'ssh_keys.user_id')
      .select(['ssh_keys.id as keyId', 'users.id as userId', 'users.email', 'users.name', 'users.role'])
      .where('ssh_keys.fingerprint', '=', fingerprint)
      .where('ssh_keys.public_key', '=', publicKey)
      .where('users.deleted_at', 'is', null)
      .where('users.suspended_at', 'is', null)
      .executeTakeFirst()
    return row ?? null
  }

  async markUsed(keyId: string, at: Date): Promise<void> {
    await this.db.updateTable('ssh_keys').set({ last_used_at: at }).where('id', '=', keyId).execute()
  }
}
