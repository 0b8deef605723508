import type { Role } from '@neuropod/contracts'

/**
 * Who may use a pod's HTTP port. Pure: the proxy, the ingress external-auth endpoint and the
 * sign-in hand-over all ask this one function, and its table of cases is tested as data.
 *
 * - `public` ports: everyone.
 * - `private` ports (the default): the pod's owner and administrators.
 * The platform's Jupyter token is injected upstream only for the owner and administrators, so the
 * connect URL opens a ready Jupyter for them and never gives the token to anyone else, even on a
 * public port.
 */
export interface AccessInput {
  access: 'private' | 'public'
  /** The port serves the Jupyter the platform configured (token known to the platform) */
  jupyter: boolean
  ownerId: string
  /** The signed-in caller, or null when the request carries no valid credential */
  principal: { userId: string; role: Role } | null
}

export type AccessDecision =
  | { outcome: 'allow'; injectJupyterToken: boolean }
  /** No valid credential: browsers are sent to sign in, other clients get 401 */
  | { outcome: 'authenticate' }
  /** Signed in, but this port is private to someone else */
  | { outcome: 'forbidden' }

export function isPrivileged(principal: AccessInput['principal'], ownerId: string): boolean {
  return principal !== null && (principal.userId === ownerId || principal.role === 'admin')
}

// Decisions are shared constants: deciding allocates nothing on the proxy's hot path.
const ALLOW: AccessDecision = Object.freeze({ outcome: 'allow', injectJupyterToken: false })
const ALLOW_WITH_TOKEN: AccessDecision = Object.freeze({ outcome: 'allow', injectJupyterToken: true })
const AUTHENTICATE: AccessDecision = Object.freeze({ outcome: 'authenticate' })
const FORBIDDEN: AccessDecision = Object.freeze({ outcome: 'forbidden' })

export function decideAccess(input: AccessInput): AccessDecision {
  const privileged = isPrivileged(input.principal, input.ownerId)
  if (input.access === 'public' || privileged) return input.jupyter && privileged ? ALLOW_WITH_TOKEN : ALLOW
  return input.principal ? FORBIDDEN : AUTHENTICATE
}
