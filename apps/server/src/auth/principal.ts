import type { Role } from '@neuropod/contracts'

/** Who is calling: resolved from a session token, an API key or the session cookie. */
export interface Principal {
  userId: string
  email: string
  name: string
  role: Role
  sessionId: string | null
  apiKeyId: string | null
}

export const SESSION_COOKIE = 'neuropod_session'
export const SESSION_TOKEN_PREFIX = 'nps_'
export const API_KEY_PREFIX = 'npk_'
