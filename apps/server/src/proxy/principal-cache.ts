import { type AuthService, revocationMatches } from '../auth/auth.service.js'
import type { Principal } from '../auth/principal.js'
import { monotonicMs } from '../lib/clock.js'
import type { Bus } from '../realtime/bus.js'

/** Short, so that an expiring session outlives its expiry by seconds at most. */
const TTL_MS = 5_000
const MAX_ENTRIES = 20_000

/**
 * credential → principal for the proxy's hot path, answered synchronously for a few seconds after
 * the auth service resolved it (which hashes the token and may read the database). Revocations
 * (logout, revoked key or session, suspension, role change) arrive over the bus and drop the
 * matching entries at once, exactly as they drop the auth service's own cache.
 */
export class PrincipalCache {
  private readonly entries = new Map<string, { principal: Principal; at: number }>()
  private readonly unsubscribe: () => void
  /** Bumped by every revocation: a lookup that started before one must not be cached. */
  private generation = 0

  constructor(
    private readonly auth: Pick<AuthService, 'authenticate'>,
    bus: Bus,
  ) {
    this.unsubscribe = bus.subscribe((m) => {
      if (m.kind !== 'access-revoked') return
      this.generation++
      for (const [token, entry] of this.entries)
        if (entry.principal && revocationMatches(m, entry.principal)) this.entries.delete(token)
    })
  }

  resolve(token: string): Principal | null | Promise<Principal | null> {
    const now = monotonicMs()
    const entry = this.entries.get(token)
    if (entry && now - entry.at < TTL_MS) return entry.principal
    const generation = this.generation
    return this.auth.authenticate(token).then((principal) => {
      if (this.entries.size >= MAX_ENTRIES) this.entries.clear()
      // Unknown credentials are not remembered (a revocation could not match them), nor answers
      // that a revocation may have overtaken.
      if (principal && generation === this.generation) this.entries.set(token, { principal, at: now })
      else this.entries.delete(token)
      return principal
    })
  }

  close(): void {
    this.unsubscribe()
    this.entries.clear()
  }
}
