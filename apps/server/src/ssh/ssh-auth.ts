import ssh2, { type AuthContext } from 'ssh2'
import type { Clock } from '../lib/clock.js'
import type { Logger } from '../lib/logger.js'
import { fingerprintOf } from './public-key.js'
import { resolvePod } from './ssh-access.js'
import type { KeyOwner, SshKeysRepository } from './ssh-keys.repository.js'
import type { SshPod, SshPodsRepository } from './ssh-pods.repository.js'

/** Who signed in on a connection, and into which pod. */
export interface SshIdentity {
  owner: KeyOwner
  pod: SshPod
}

export const PASSWORD_REFUSED =
  'NeuroPod does not accept passwords over SSH. Add your public key on your account page (or with `neuropod ssh-keys add ~/.ssh/id_ed25519.pub`) and connect with that key.'

/**
 * Public-key authentication for one connection. Only publickey can succeed. SSH has no way to say
 * why a key was refused, so the reason is kept and shown when the client falls back to
 * keyboard-interactive (which OpenSSH tries next): its instructions are printed, no answer is
 * asked for, and the attempt is refused. A password attempt is refused with the same mechanism.
 */
export class SshAuthenticator {
  private refusal: string | null = null
  identity: SshIdentity | null = null

  constructor(
    private readonly deps: {
      keys: SshKeysRepository
      pods: SshPodsRepository
      clock: Clock
      log: Logger
      remoteAddress: string
    },
  ) {}

  async handle(ctx: AuthContext): Promise<void> {
    const next: ('publickey' | 'keyboard-interactive')[] = ['publickey', 'keyboard-interactive']
    try {
      switch (ctx.method) {
        case 'publickey': {
          const ok = await this.publicKey(ctx)
          if (ok === 'accept') return ctx.accept()
          return ctx.reject(next)
        }
        case 'keyboard-interactive': {
          // No key was tried: this is where OpenSSH would ask for a password.
          const message = this.refusal ?? PASSWORD_REFUSED
          return ctx.prompt([], 'NeuroPod', message, () => ctx.reject(['publickey']))
        }
        case 'password':
          this.refusal = PASSWORD_REFUSED
          return ctx.reject(next)
        default:
          return ctx.reject(next)
      }
    } catch (error) {
      this.deps.log.error({ err: error }, 'ssh authentication failed')
      ctx.reject(next)
    }
  }

  private async publicKey(ctx: Extract<AuthContext, { method: 'publickey' }>): Promise<'accept' | 'reject'> {
    const blob = ctx.key.data
    const fingerprint = fingerprintOf(blob)
    const owner = await this.deps.keys.ownerOf(fingerprint, blob.toString('base64'))
    if (!owner) {
      this.refusal ??= `The key ${fingerprint} is not registered on any active NeuroPod account. Add it on your account page (or with \`neuropod ssh-keys add\`).`
      return 'reject'
    }
    const access = await resolvePod(this.deps.pods, owner, ctx.username)
    if ('refusal' in access) {
      this.refusal = access.refusal
      return 'reject'
    }
    // Without a signature the client only asks whether this key would do; it signs next.
    if (!ctx.signature || !ctx.blob) return 'accept'
    // The blob names its own key type (ctx.key.algo may be a signature algorithm, rsa-sha2-512).
    const parsed = ssh2.utils.parseKey(`${keyType(blob)} ${blob.toString('base64')}`)
    if (parsed instanceof Error || parsed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true)
      return 'reject'
    this.identity = { owner, pod: access.pod }
    await this.deps.keys.markUsed(owner.keyId, this.deps.clock.now())
    return 'accept'
  }
}

/** The key type named inside an SSH public key blob (its first string). */
function keyType(blob: Buffer): string {
  if (blob.length < 4) return ''
  const length = blob.readUInt32BE(0)
  return blob.subarray(4, 4 + length).toString('latin1')
}
