import type { ApiKey, User } from '@neuropod/contracts'
import type { Kysely } from 'kysely'
import type { AuditLog } from '../audit/audit-log.js'
import { changeBalance } from '../billing/ledger.repository.js'
import type { Config } from '../config.js'
import type { Database, UserRow } from '../db/schema.js'
import { AppError, badRequest, notFound } from '../errors.js'
import { addressKey } from '../lib/client-address.js'
import type { Clock } from '../lib/clock.js'
import { newUuid, randomToken } from '../lib/ids.js'
import { hashToken } from '../lib/secrets.js'
import type { PricingService } from '../pricing/pricing.service.js'
import type { Bus } from '../realtime/bus.js'
import { emailListed, loadUserView } from '../users/user-view.js'
import type { UsersRepository } from '../users/users.repository.js'
import { GoogleTokenError, type GoogleVerifier } from './google.js'
import { dummyPasswordHash, hashPassword, verifyPassword } from './passwords.js'
import { API_KEY_PREFIX, type Principal, SESSION_TOKEN_PREFIX } from './principal.js'
import { FailureLimiter } from './rate-limit.js'

export interface AuthDeps {
  db: Kysely<Database>
  users: UsersRepository
  clock: Clock
  bus: Bus
  config: Config['auth']
  pricing: PricingService
  audit: AuditLog
  google: GoogleVerifier | null
}

export interface RequestMeta {
  ip: string
  userAgent: string | null
}

interface CachedPrincipal {
  principal: Principal
  expiresAt: number
  cachedAt: number
}

/** How long a resolved token is trusted without a database read. Revocations invalidate it at once. */
const PRINCIPAL_CACHE_MS = 30_000
const TOUCH_INTERVAL_MS = 60_000

export class AuthService {
  private readonly cache = new Map<string, CachedPrincipal>()
  private readonly touched = new Map<string, number>()
  /** Failed passwords per (source address, account) */
  private readonly pairLimiter: FailureLimiter
  /** Failed passwords per source address, over every account */
  private readonly sourceLimiter: FailureLimiter

  constructor(private readonly deps: AuthDeps) {
    const { max, windowSeconds } = deps.config.loginRateLimit
    this.pairLimiter = new FailureLimiter(max, windowSeconds * 1000, deps.clock)
    this.sourceLimiter = new FailureLimiter(max * 10, windowSeconds * 1000, deps.clock)
    deps.bus.subscribe((m) => {
      if (m.kind !== 'access-revoked') return
      for (const [key, entry] of this.cache) {
        if (revocationMatches(m, entry.principal)) this.cache.delete(key)
      }
    })
  }

  // ---------- sign-in flows ----------

  async register(input: { email: string; password: string; name: string }, meta: RequestMeta) {
    const email = input.email.trim().toLowerCase()
    const name = input.name.trim()
    if (!name) throw badRequest('Name is required', [{ field: 'name', message: 'Name is required' }])
    this.checkAllowed(email)
    if (emailListed(email, this.deps.config.adminEmails)) {
      // Password sign-up proves nothing about owning the address; an admin address could be squatted.
      throw new AppError(
        'FORBIDDEN',
        403,
        'This address is reserved for an administrator: sign in with Google or ask an administrator',
      )
    }
    const passwordHash = await hashPassword(input.password)
    const user = await this.createUser({
      email,
      name,
      passwordHash,
      googleSub: null,
      avatar: null,
      role: 'client',
    })
    if (!user) throw new AppError('EMAIL_TAKEN', 409, 'An account with this e-mail already exists')
    await this.deps.audit.record(null, 'SIGNUP', 'user', user.id, { provider: 'password' })
    this.notifyAdminsOfSignup(user)
    return this.startSession(user, 'password', meta)
  }

  async login(input: { email: string; password: string }, meta: RequestMeta) {
    const email = input.email.trim().toLowerCase()
    // Only the source is slowed down, never the account: failures from one address must not keep
    // the owner out from another (ADR 0014). Per (address, account): stops guessing one password;
    // per address, ten times looser: stops spraying many accounts, without shutting out a whole lab
    // behind one NAT address at the first typos.
    const source = addressKey(meta.ip)
    const pair = `${source}|${email}`
    const wait = Math.max(this.pairLimiter.retryAfter(pair), this.sourceLimiter.retryAfter(source))
    if (wait > 0) throw rateLimited(wait)
    const user = await this.deps.users.byEmail(email)
    const ok = user?.password_hash
      ? await verifyPassword(user.password_hash, input.password)
      : await verifyPassword(await dummyPasswordHash(), input.password).then(() => false)
    if (!user || !ok) {
      this.pairLimiter.fail(pair)
      this.sourceLimiter.fail(source)
      throw new AppError('INVALID_CREDENTIALS', 401, 'Wrong e-mail or password')
    }
    this.pairLimiter.reset(pair)
    this.assertNotSuspended(user)
    return this.startSession(user, 'password', meta)
  }

  async google(token: string, meta: RequestMeta) {
    if (!this.deps.google)
      throw new AppError('FEATURE_DISABLED', 404, 'Google sign-in is not configured (GOOGLE_CLIENT_ID)')
    let identity: Awaited<ReturnType<GoogleVerifier['verify']>>
    try {
      identity = await this.deps.google.verify(token)
    } catch (error) {
      if (error instanceof GoogleTokenError) throw new AppError('INVALID_CREDENTIALS', 401, error.message)
      throw error
    }
    const isAdmin = emailListed(identity.email, this.deps.config.adminEmails)
    const now = this.deps.clock.now()
    let user =
      (await this.deps.users.byGoogleSub(identity.sub)) ?? (await this.deps.users.byEmail(identity.email))
    if (!user) {
      this.checkAllowed(identity.email)
      user =
        (await this.createUser({
          email: identity.email,
          name: identity.name,
          passwordHash: null,
          googleSub: identity.sub,
          avatar: identity.picture,
          role: isAdmin ? 'admin' : 'client',
        })) ?? undefined
      if (!user) throw new AppError('CONFLICT', 409, 'The account was created concurrently; try again')
      await this.deps.audit.record(null, 'SIGNUP', 'user', user.id, { provider: 'google' })
      this.notifyAdminsOfSignup(user)
    } else {
      // Google proved the address: link the account, refresh name/picture, apply ADMIN_EMAILS.
      const promote = isAdmin && user.role !== 'admin'
      user = await this.deps.db
        .updateTable('users')
        .set({
          google_sub: identity.sub,
          avatar: identity.picture ?? user.avatar,
          ...(promote ? { role: 'admin' } : {}),
          updated_at: now,
        })
        .where('id', '=', user.id)
        .returningAll()
        .executeTakeFirstOrThrow()
      if (promote)
        await this.deps.audit.record(null, 'USER_PROMOTED', 'user', user.id, { via: 'ADMIN_EMAILS' })
    }
    this.assertNotSuspended(user)
    return this.startSession(user, 'google', meta)
  }

  /** NEUROPOD_DEV_LOGIN only: sign in by e-mail alone. The route is not mounted otherwise. */
  async mockLogin(input: { email: string; name?: string }, meta: RequestMeta) {
    const email = input.email.trim().toLowerCase()
    let user = await this.deps.users.byEmail(email)
    if (!user) {
      const isAdmin = emailListed(email, this.deps.config.adminEmails)
      user =
        (await this.createUser({
          email,
          name: input.name?.trim() || (isAdmin ? 'Administrator' : email.split('@')[0]!),
          passwordHash: null,
          googleSub: null,
          avatar: null,
          role: isAdmin ? 'admin' : 'client',
        })) ?? undefined
      if (!user) throw new AppError('CONFLICT', 409, 'The account was created concurrently; try again')
      await this.deps.audit.record(null, 'SIGNUP', 'user', user.id, { provider: 'dev-login' })
    }
    this.assertNotSuspended(user)
    return this.startSession(user, 'dev-login', meta)
  }

  /** Creates a user with the catalog's welcome credit as its first ledger entry; null if the e-mail is taken. */
  async createUser(input: {
    email: string
    name: string
    passwordHash: string | null
    googleSub: string | null
    avatar: string | null
    role: 'client' | 'admin'
  }): Promise<UserRow | null> {
    const catalog = await this.deps.pricing.get()
    const now = this.deps.clock.now()
    const initial =
      input.role === 'client' && catalog.settings.free_tier_enabled ? catalog.settings.initial_balance : 0
    return this.deps.db.transaction().execute(async (trx) => {
      const created = await trx
        .insertInto('users')
        .values({
          id: newUuid(),
          email: input.email,
          name: input.name,
          avatar: input.avatar,
          password_hash: input.passwordHash,
          google_sub: input.googleSub,
          role: input.role,
          balance: 0,
          created_at: now,
          updated_at: now,
        })
        .onConflict((oc) => oc.column('email').doNothing())
        .returningAll()
        .executeTakeFirst()
      if (!created) return null
      if (initial > 0) {
        const { balance } = await changeBalance(trx, {
          userId: created.id,
          amount: initial,
          type: 'credit',
          reason: 'Welcome credit',
          actorId: null,
          at: now,
        })
        created.balance = balance
      }
      return created
    })
  }

  private checkAllowed(email: string): void {
    const { allowedEmails, adminEmails } = this.deps.config
    if (allowedEmails.length > 0 && !emailListed(email, allowedEmails) && !emailListed(email, adminEmails)) {
      throw new AppError('FORBIDDEN', 403, 'This e-mail address is not allowed to use this NeuroPod instance')
    }
  }

  private assertNotSuspended(user: UserRow): void {
    if (user.suspended_at) {
      throw new AppError(
        'ACCOUNT_SUSPENDED',
        403,
        `This account is suspended${user.suspended_reason ? `: ${user.suspended_reason}` : ''}`,
      )
    }
  }

  private notifyAdminsOfSignup(user: UserRow): void {
    this.deps.bus.publish({
      kind: 'admins',
      event: 'adminNotification',
      payload: {
        type: 'adminNotification',
        kind: 'userRegistered',
        message: `New user ${user.email}`,
        userId: user.id,
        timestamp: this.deps.clock.now().toISOString(),
      },
    })
  }

  private async startSession(
    user: UserRow,
    provider: string,
    meta: RequestMeta,
  ): Promise<{ token: string; user: User }> {
    const now = this.deps.clock.now()
    const token = `${SESSION_TOKEN_PREFIX}${randomToken(32)}`
    await this.deps.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('sessions')
        .values({
          id: newUuid(),
          user_id: user.id,
          token_hash: hashToken(token),
          provider,
          created_at: now,
          expires_at: new Date(now.getTime() + this.deps.config.sessionTtlHours * 3_600_000),
          last_used_at: now,
          user_agent: meta.userAgent?.slice(0, 300) ?? null,
        })
        .execute()
      await trx
        .updateTable('users')
        .set({ last_login_at: now, last_seen_at: now })
        .where('id', '=', user.id)
        .execute()
    })
    await this.deps.audit.record(user.id, 'LOGIN', 'user', user.id, { provider, ip: meta.ip })
    const view = await loadUserView(this.deps.db, user.id, now)
    return { token, user: view! }
  }

  // ---------- token resolution ----------

  /** Resolves a bearer token (session or API key) to a principal, or null if it is not valid now. */
  async authenticate(token: string): Promise<Principal | null> {
    if (!token.startsWith(SESSION_TOKEN_PREFIX) && !token.startsWith(API_KEY_PREFIX)) return null
    if (token.length > 200) return null
    const key = hashToken(token)
    const now = this.deps.clock.now().getTime()
    const cached = this.cache.get(key)
    if (cached && cached.expiresAt > now && now - cached.cachedAt < PRINCIPAL_CACHE_MS) {
      this.touch(cached.principal, now)
      return cached.principal
    }
    this.cache.delete(key)
    const resolved = token.startsWith(SESSION_TOKEN_PREFIX)
      ? await this.resolveSession(key, now)
      : await this.resolveApiKey(key)
    if (!resolved) return null
    if (this.cache.size > 50_000) this.cache.clear()
    this.cache.set(key, { ...resolved, cachedAt: now })
    this.touch(resolved.principal, now)
    return resolved.principal
  }

  private async resolveSession(tokenHash: string, now: number) {
    const row = await this.deps.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select([
        'sessions.id as session_id',
        'sessions.expires_at',
        'users.id',
        'users.email',
        'users.name',
        'users.role',
      ])
      .where('sessions.token_hash', '=', tokenHash)
      .where('sessions.revoked_at', 'is', null)
      .where('users.deleted_at', 'is', null)
      .where('users.suspended_at', 'is', null)
      .executeTakeFirst()
    const expiresAt = row ? new Date(row.expires_at).getTime() : 0
    if (!row || expiresAt <= now) return null
    return {
      principal: {
        userId: row.id,
        email: row.email,
        name: row.name,
        role: row.role,
        sessionId: row.session_id,
        apiKeyId: null,
      },
      expiresAt,
    }
  }

  private async resolveApiKey(keyHash: string) {
    const row = await this.deps.db
      .selectFrom('api_keys')
      .innerJoin('users', 'users.id', 'api_keys.user_id')
      .select(['api_keys.id as key_id', 'users.id', 'users.email', 'users.name', 'users.role'])
      .where('api_keys.key_hash', '=', keyHash)
      .where('api_keys.revoked_at', 'is', null)
      .where('users.deleted_at', 'is', null)
      .where('users.suspended_at', 'is', null)
      .executeTakeFirst()
    if (!row) return null
    return {
      principal: {
        userId: row.id,
        email: row.email,
        name: row.name,
        role: row.role,
        sessionId: null,
        apiKeyId: row.key_id,
      },
      expiresAt: Number.POSITIVE_INFINITY,
    }
  }

  /** Records activity (online state, key usage) at most once a minute per user; never on the request's path. */
  private touch(principal: Principal, now: number): void {
    const key = principal.apiKeyId ?? principal.sessionId ?? principal.userId
    if (now - (this.touched.get(key) ?? 0) < TOUCH_INTERVAL_MS) return
    this.touched.set(key, now)
    const at = new Date(now)
    const work = [
      this.deps.db
        .updateTable('users')
        .set({ last_seen_at: at })
        .where('id', '=', principal.userId)
        .execute(),
    ]
    if (principal.sessionId)
      work.push(
        this.deps.db
          .updateTable('sessions')
          .set({ last_used_at: at })
          .where('id', '=', principal.sessionId)
          .execute(),
      )
    if (principal.apiKeyId)
      work.push(
        this.deps.db
          .updateTable('api_keys')
          .set({ last_used_at: at })
          .where('id', '=', principal.apiKeyId)
          .execute(),
      )
    Promise.all(work).catch(() => this.touched.delete(key))
  }

  /** Socket heartbeats keep users online without REST traffic. */
  markSeen(principal: Principal): void {
    this.touch(principal, this.deps.clock.now().getTime())
  }

  // ---------- session management ----------

  async logout(principal: Principal): Promise<void> {
    if (principal.sessionId) {
      await this.deps.db
        .updateTable('sessions')
        .set({ revoked_at: this.deps.clock.now() })
        .where('id', '=', principal.sessionId)
        .where('revoked_at', 'is', null)
        .execute()
      this.deps.bus.publish({
        kind: 'access-revoked',
        userId: principal.userId,
        sessionId: principal.sessionId,
      })
    }
    await this.deps.audit.record(principal.userId, 'LOGOUT', 'user', principal.userId, {})
  }

  async me(principal: Principal): Promise<User> {
    const view = await loadUserView(this.deps.db, principal.userId, this.deps.clock.now())
    if (!view) throw notFound('User not found')
    return view
  }

  async updateProfile(principal: Principal, patch: { name?: string; avatar?: string | null }): Promise<User> {
    const name = patch.name?.trim()
    if (patch.name !== undefined && !name)
      throw badRequest('Name is required', [{ field: 'name', message: 'Name is required' }])
    await this.deps.db
      .updateTable('users')
      .set({
        ...(name ? { name } : {}),
        ...(patch.avatar !== undefined ? { avatar: patch.avatar } : {}),
        updated_at: this.deps.clock.now(),
      })
      .where('id', '=', principal.userId)
      .execute()
    return this.me(principal)
  }

  async changePassword(
    principal: Principal,
    input: { currentPassword?: string; newPassword: string },
  ): Promise<void> {
    const user = await this.deps.db
      .selectFrom('users')
      .select('password_hash')
      .where('id', '=', principal.userId)
      .executeTakeFirstOrThrow()
    if (user.password_hash) {
      if (!input.currentPassword || !(await verifyPassword(user.password_hash, input.currentPassword))) {
        throw new AppError('INVALID_CREDENTIALS', 401, 'The current password is wrong')
      }
    }
    const now = this.deps.clock.now()
    const revoked = await this.deps.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('users')
        .set({ password_hash: await hashPassword(input.newPassword), updated_at: now })
        .where('id', '=', principal.userId)
        .execute()
      // Other sessions end: whoever knew the old password is signed out.
      let q = trx
        .updateTable('sessions')
        .set({ revoked_at: now })
        .where('user_id', '=', principal.userId)
        .where('revoked_at', 'is', null)
      if (principal.sessionId) q = q.where('id', '<>', principal.sessionId)
      return q.returning('id').execute()
    })
    for (const { id } of revoked)
      this.deps.bus.publish({ kind: 'access-revoked', userId: principal.userId, sessionId: id })
    await this.deps.audit.record(principal.userId, 'PASSWORD_CHANGED', 'user', principal.userId, {})
  }

  // ---------- API keys ----------

  async createApiKey(principal: Principal, name: string): Promise<ApiKey & { key: string }> {
    const key = `${API_KEY_PREFIX}${randomToken(32)}`
    const now = this.deps.clock.now()
    const active = await this.deps.db
      .selectFrom('api_keys')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', principal.userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirstOrThrow()
    if (active.n >= 50) throw new AppError('CONFLICT', 409, 'You already have 50 API keys; revoke one first')
    const row = await this.deps.db
      .insertInto('api_keys')
      .values({
        id: newUuid(),
        user_id: principal.userId,
        name: name.trim(),
        prefix: key.slice(0, 12),
        key_hash: hashToken(key),
        created_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
    await this.deps.audit.record(principal.userId, 'API_KEY_CREATED', 'api_key', row.id, { name: row.name })
    return { ...apiKeyView(row), key }
  }

  async listApiKeys(principal: Principal): Promise<ApiKey[]> {
    const rows = await this.deps.db
      .selectFrom('api_keys')
      .selectAll()
      .where('user_id', '=', principal.userId)
      .where('revoked_at', 'is', null)
      .orderBy('created_at', 'desc')
      .execute()
    return rows.map(apiKeyView)
  }

  async revokeApiKey(principal: Principal, id: string): Promise<void> {
    const row = await this.deps.db
      .updateTable('api_keys')
      .set({ revoked_at: this.deps.clock.now() })
      .where('id', '=', id)
      .where('user_id', '=', principal.userId)
      .where('revoked_at', 'is', null)
      .returning('id')
      .executeTakeFirst()
    if (!row) throw notFound('API key not found')
    this.deps.bus.publish({ kind: 'access-revoked', userId: principal.userId, sessionId: null, apiKeyId: id })
    await this.deps.audit.record(principal.userId, 'API_KEY_REVOKED', 'api_key', id, {})
  }
}

/** Which cached credentials (and sockets) an access-revoked message covers. */
export function revocationMatches(
  m: { userId: string; sessionId: string | null; apiKeyId?: string | null },
  p: { userId: string; sessionId: string | null; apiKeyId: string | null },
): boolean {
  if (p.userId !== m.userId) return false
  if (m.apiKeyId) return p.apiKeyId === m.apiKeyId
  if (m.sessionId) return p.sessionId === m.sessionId
  return true
}

function apiKeyView(row: {
  id: string
  name: string
  prefix: string
  created_at: Date | string
  last_used_at: Date | string | null
}): ApiKey {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    createdAt: new Date(row.created_at).toISOString(),
    lastUsedAt: row.last_used_at ? new Date(row.last_used_at).toISOString() : null,
  }
}

export function rateLimited(retryAfterSeconds: number): AppError {
  const error = new AppError(
    'RATE_LIMITED',
    429,
    `Too many failed attempts; try again in ${retryAfterSeconds} s`,
  )
  Object.assign(error, { retryAfter: retryAfterSeconds })
  return error
}
