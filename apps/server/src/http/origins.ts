/**
 * Which browser origins act as the platform's own: PUBLIC_URL's, the Host the request was sent to,
 * and NEUROPOD_CORS_ORIGINS (the original's two-origin layouts: an app on another host or a dev
 * server on another port). One policy for the session cookie on unsafe methods, CORS and sockets,
 * so a page the API answers is also a page that may post with the cookie and open a socket.
 */
export type OriginVerdict = { allowed: true } | { allowed: false; reason: string }

export class OriginPolicy {
  private readonly allowList: ReadonlySet<string>

  constructor(
    readonly publicOrigin: string,
    readonly corsOrigins: readonly string[],
  ) {
    this.allowList = new Set(corsOrigins)
  }

  /** True for origins listed in NEUROPOD_CORS_ORIGINS (the ones CORS answers). */
  listed(origin: string | undefined): boolean {
    return origin !== undefined && this.allowList.has(origin)
  }

  /** No Origin (a non-browser client, or a same-origin navigation) is trusted: nothing ambient to steal. */
  check(origin: string | undefined, host: string | undefined): OriginVerdict {
    if (!origin) return { allowed: true }
    if (origin === this.publicOrigin || this.allowList.has(origin)) return { allowed: true }
    let originHost: string
    try {
      originHost = new URL(origin).host
    } catch {
      return { allowed: false, reason: 'the Origin header is not a URL' }
    }
    if (host !== undefined && originHost === host) return { allowed: true }
    return {
      allowed: false,
      reason: 'the origin is neither PUBLIC_URL, the requested host, nor listed in NEUROPOD_CORS_ORIGINS',
    }
  }

  trusted(origin: string | undefined, host: string | undefined): boolean {
    return this.check(origin, host).allowed
  }
}
