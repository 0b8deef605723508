import { createRemoteJWKSet, type JWTVerifyGetKey, jwtVerify } from 'jose'

export interface GoogleIdentity {
  sub: string
  email: string
  name: string
  picture: string | null
}

export class GoogleTokenError extends Error {}

/**
 * Verifies Google ID tokens: signature against the issuer's JWKS, issuer, audience (our client id),
 * expiry, and `email_verified`. Nothing else is trusted: no access tokens, no unsigned payloads.
 */
export class GoogleVerifier {
  private readonly jwks: JWTVerifyGetKey

  constructor(
    private readonly clientId: string,
    private readonly issuers: string[],
    jwksUrl: string,
  ) {
    this.jwks = createRemoteJWKSet(new URL(jwksUrl), { timeoutDuration: 5000, cooldownDuration: 30000 })
  }

  async verify(token: string): Promise<GoogleIdentity> {
    let payload: Record<string, unknown>
    try {
      ;({ payload } = await jwtVerify(token, this.jwks, {
        issuer: this.issuers,
        audience: this.clientId,
        clockTolerance: 30,
      }))
    } catch (error) {
      throw new GoogleTokenError(
        `Invalid Google ID token: ${error instanceof Error ? error.message : 'verification failed'}`,
      )
    }
    const email = typeof payload.email === 'string' ? payload.email.trim().toLowerCase() : ''
    if (!email || typeof payload.sub !== 'string')
      throw new GoogleTokenError('The Google ID token has no e-mail or subject')
    if (payload.email_verified !== true && payload.email_verified !== 'true') {
      throw new GoogleTokenError("The Google account's e-mail address is not verified")
    }
    const name =
      typeof payload.name === 'string' && payload.name.trim()
        ? payload.name.trim()
        : [payload.given_name, payload.family_name]
            .filter((x) => typeof x === 'string')
            .join(' ')
            .trim() || email.split('@')[0]!
    return {
      sub: payload.sub,
      email,
      name: name.slice(0, 100),
      picture: typeof payload.picture === 'string' ? payload.picture : null,
    }
  }
}
