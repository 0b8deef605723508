import { createHash, createPublicKey } from 'node:crypto'
import ssh2, { type ParsedKey } from 'ssh2'

/**
 * Public keys users register for SSH. Parsed by ssh2 (the same parser the gateway verifies
 * signatures with), so a key accepted here is a key the gateway can check. Accepted: ed25519,
 * ECDSA (P-256/384/521) and RSA of at least 2048 bits; everything else is refused with a reason
 * the user can act on.
 */

export interface PublicKeyInfo {
  algorithm: string
  /** The SSH wire-format public key blob */
  blob: Buffer
  fingerprint: string
  comment: string | null
}

export class PublicKeyError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'PublicKeyError'
  }
}

export const MIN_RSA_BITS = 2048
const ACCEPTED = new Set([
  'ssh-ed25519',
  'ssh-rsa',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
])

/** OpenSSH's fingerprint: `SHA256:` and the unpadded base64 of the blob's SHA-256. */
export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`
}

export function parsePublicKey(text: string): PublicKeyInfo {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
  if (lines.length === 0) throw new PublicKeyError('The public key is empty')
  if (lines.some((l) => l.includes('PRIVATE KEY')))
    throw new PublicKeyError('This is a private key: paste the public key (the .pub file) instead')
  if (lines.length > 1) throw new PublicKeyError('Paste one public key (a single line), not several')
  const line = lines[0]!
  const type = line.split(/\s+/)[0]!
  if (type === 'ssh-dss')
    throw new PublicKeyError('DSA keys are too weak; use an ed25519 key (ssh-keygen -t ed25519)')
  if (type.startsWith('sk-'))
    throw new PublicKeyError('Security-key (FIDO) SSH keys are not supported; use an ed25519 key')
  if (!ACCEPTED.has(type))
    throw new PublicKeyError(
      'Not an OpenSSH public key: expected a line like "ssh-ed25519 AAAA… comment" (ed25519, ECDSA or RSA)',
    )
  const parsed = ssh2.utils.parseKey(line)
  if (parsed instanceof Error)
    throw new PublicKeyError(`The ${type} key could not be read: it is damaged or incomplete`)
  const key: ParsedKey = parsed
  if (key.isPrivateKey())
    throw new PublicKeyError('This is a private key: paste the public key (the .pub file) instead')
  if (key.type !== type) throw new PublicKeyError(`The key says ${type} but holds a ${key.type} key`)
  if (key.type === 'ssh-rsa') {
    const bits = createPublicKey(key.getPublicPEM()).asymmetricKeyDetails?.modulusLength ?? 0
    if (bits < MIN_RSA_BITS)
      throw new PublicKeyError(`RSA keys need at least ${MIN_RSA_BITS} bits; this one has ${bits}`)
  }
  const blob = key.getPublicSSH()
  const comment = key.comment.trim()
  return {
    algorithm: key.type,
    blob,
    fingerprint: fingerprintOf(blob),
    comment: comment === '' ? null : comment.slice(0, 200),
  }
}
