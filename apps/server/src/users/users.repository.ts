import type { Kysely } from 'kysely'
import type { Database, UserRow } from '../db/schema.js'
import { executor, type Tx } from '../db/transaction.js'

/**
 * The users table's lookups that several features share. Addresses are stored lower-case, and a
 * deleted account frees its address, so every lookup by e-mail skips deleted rows.
 */
export class UsersRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** The live account that owns `email` (already normalised: trimmed, lower-case). */
  byEmail(email: string, tx?: Tx): Promise<UserRow | undefined> {
    return executor(this.db, tx)
      .selectFrom('users')
      .selectAll()
      .where('email', '=', email)
      .where('deleted_at', 'is', null)
      .executeTakeFirst()
  }

  byGoogleSub(sub: string): Promise<UserRow | undefined> {
    return this.db
      .selectFrom('users')
      .selectAll()
      .where('google_sub', '=', sub)
      .where('deleted_at', 'is', null)
      .executeTakeFirst()
  }

  /** The longest-standing live administrator, if any. */
  async firstAdmin(): Promise<{ id: string } | undefined> {
    return this.db
      .selectFrom('users')
      .select('id')
      .where('role', '=', 'admin')
      .where('deleted_at', 'is', null)
      .orderBy('created_at')
      .executeTakeFirst()
  }

  async setPasswordHash(userId: string, passwordHash: string): Promise<void> {
    await this.db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId).execute()
  }

  async promoteToAdmin(userId: string): Promise<void> {
    await this.db.updateTable('users').set({ role: 'admin' }).where('id', '=', userId).execute()
  }
}
