import { randomBytes, randomUUID } from 'node:crypto'

export const newUuid = (): string => randomUUID()

/** Pod ids: 8 random bytes as 16 hex characters, the shape API clients already rely on. */
export const newPodId = (): string => randomBytes(8).toString('hex')

const SLUG_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789'

/**
 * A pod's URL slug: 10 characters of [a-z0-9] starting with a letter (~50 bits), so
 * `<slug>-<port>` is always a valid DNS label and not guessable.
 */
export function newSlug(): string {
  const bytes = randomBytes(16)
  let out = SLUG_ALPHABET[bytes[0]! % 26]!
  for (let i = 1; out.length < 10; i++) out += SLUG_ALPHABET[bytes[i]! % 36]
  return out
}

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url')
}
