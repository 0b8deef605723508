import type { AuthService } from '../auth/auth.service.js'
import { hashPassword } from '../auth/passwords.js'
import type { Config } from '../config.js'
import { randomToken } from '../lib/ids.js'
import type { UsersRepository } from './users.repository.js'

export interface BootstrapResult {
  adminEmail: string
  /** Printed once by main when this start created the admin with a generated password */
  generatedPassword: string | null
  created: boolean
}

/**
 * First run: if no admin exists, create one from NEUROPOD_ADMIN_EMAIL / _PASSWORD, or with a
 * generated password that is printed once. NEUROPOD_ADMIN_PASSWORD, when set, is (re)applied at
 * every start, which is also how a lost admin password is reset.
 */
export async function bootstrapAdmin(
  config: Pick<Config['auth'], 'adminEmail' | 'adminPassword'>,
  auth: Pick<AuthService, 'createUser'>,
  users: UsersRepository,
): Promise<BootstrapResult> {
  const email = config.adminEmail
  const existing = await users.byEmail(email)
  const anyAdmin = await users.firstAdmin()
  if (existing) {
    if (config.adminPassword)
      await users.setPasswordHash(existing.id, await hashPassword(config.adminPassword))
    if (!anyAdmin) await users.promoteToAdmin(existing.id)
    return { adminEmail: email, generatedPassword: null, created: false }
  }
  if (anyAdmin) return { adminEmail: email, generatedPassword: null, created: false }
  const generated = config.adminPassword ? null : randomToken(12)
  const password = config.adminPassword ?? generated!
  const user = await auth.createUser({
    email,
    name: 'Administrator',
    passwordHash: await hashPassword(password),
    googleSub: null,
    avatar: null,
    role: 'admin',
  })
  if (!user) throw new Error(`Could not create the first administrator ${email}`)
  return { adminEmail: email, generatedPassword: generated, created: true }
}
