import { randomBytes } from 'node:crypto'
import type { SecretBox } from '../lib/secrets.js'

/**
 * The sign-in hand-over between the platform host and a pod host, which share no cookie:
 *
 * 1. The platform (`/api/proxy/authorize`) mints a **ticket**: one-time, short-lived, bound to one
 *    pod host and carrying the caller's credential, and redirects the browser to
 *    `<pod host>/__neuropod/auth?ticket=…`.
 * 2. The proxy redeems it there (its id is recorded so it works once, on any replica) and sets a
 *    **pod cookie**: host-only, HttpOnly, bound to that host, carrying the same credential.
 *
 * Both are sealed with AES-256-GCM (SecretBox), so they cannot be forged or altered, and the
 * credential inside cannot be read from a URL, a log line or a stolen cookie. The credential
 * stays the platform session (or API key) itself, so logging out, revoking a session, suspending
 * the user or changing their role ends pod access on the next request, like everywhere else.
 */

export interface TicketClaims {
  id: string
  host: string
  credential: string
  expiresAt: number
}

export interface CookieClaims {
  host: string
  credential: string
}

interface SealedTicket {
  p: 'ticket'
  i: string
  h: string
  c: string
  e: number
}

interface SealedCookie {
  p: 'pod-cookie'
  h: string
  c: string
}

export type TicketCheck =
  | { ok: true; claims: TicketClaims }
  | { ok: false; reason: 'malformed' | 'expired' | 'wrong-host' }

export class HandoverCodec {
  constructor(
    private readonly box: SecretBox,
    private readonly ttlMs: number,
  ) {}

  mintTicket(host: string, credential: string, nowMs: number): { ticket: string; claims: TicketClaims } {
    const claims: TicketClaims = {
      id: randomBytes(16).toString('base64url'),
      host: normaliseHost(host),
      credential,
      expiresAt: nowMs + this.ttlMs,
    }
    const sealed: SealedTicket = {
      p: 'ticket',
      i: claims.id,
      h: claims.host,
      c: credential,
      e: claims.expiresAt,
    }
    return { ticket: this.box.seal(JSON.stringify(sealed)), claims }
  }

  /** Checks a ticket's integrity, host and lifetime. One-time use is the ticket store's job. */
  openTicket(ticket: string, host: string, nowMs: number): TicketCheck {
    const sealed = this.open(ticket) as Partial<SealedTicket> | null
    if (
      sealed?.p !== 'ticket' ||
      typeof sealed.i !== 'string' ||
      typeof sealed.h !== 'string' ||
      typeof sealed.c !== 'string' ||
      typeof sealed.e !== 'number'
    )
      return { ok: false, reason: 'malformed' }
    if (sealed.h !== normaliseHost(host)) return { ok: false, reason: 'wrong-host' }
    if (sealed.e <= nowMs) return { ok: false, reason: 'expired' }
    return { ok: true, claims: { id: sealed.i, host: sealed.h, credential: sealed.c, expiresAt: sealed.e } }
  }

  sealCookie(host: string, credential: string): string {
    const sealed: SealedCookie = { p: 'pod-cookie', h: normaliseHost(host), c: credential }
    return this.box.seal(JSON.stringify(sealed))
  }

  /** The cookie's claims, or null when it is forged, damaged or not a pod cookie. */
  openCookie(value: string): CookieClaims | null {
    const sealed = this.open(value) as Partial<SealedCookie> | null
    if (sealed?.p !== 'pod-cookie' || typeof sealed.h !== 'string' || typeof sealed.c !== 'string')
      return null
    return { host: sealed.h, credential: sealed.c }
  }

  private open(value: string): unknown {
    if (value.length > 2048) return null
    try {
      return JSON.parse(this.box.open(value))
    } catch {
      return null
    }
  }
}

/** `Abc-8888.Localhost:3000` → `abc-8888.localhost`: cookies are per host, whatever the port. */
export function normaliseHost(host: string): string {
  const lower = host.toLowerCase()
  const colon = lower.lastIndexOf(':')
  return colon > 0 && !lower.endsWith(']') ? lower.slice(0, colon) : lower
}
