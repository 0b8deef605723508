import fs from 'node:fs'
import path from 'node:path'
import ssh2 from 'ssh2'
import type { SshConfig } from '../config.js'
import { fingerprintOf } from './public-key.js'

export interface HostKey {
  /** OpenSSH private key text, as ssh2's Server takes it */
  privateKey: string
  algorithm: string
  fingerprint: string
}

export const HOST_KEY_FILE = 'ssh_host_ed25519_key'

/**
 * The gateway's identity. A configured file (on Kubernetes: a Secret mounted as a file, so every
 * replica and every restart presents the same key) is used as it is; otherwise an ed25519 key is
 * generated on first start into the data directory and kept there. Users pin it in known_hosts,
 * so it must never change by accident: an existing file is never overwritten.
 */
export function loadHostKey(config: Pick<SshConfig, 'hostKeyFile'>, dataDir: string): HostKey {
  if (config.hostKeyFile) return parseHostKey(fs.readFileSync(config.hostKeyFile, 'utf8'), config.hostKeyFile)
  const file = path.join(dataDir, HOST_KEY_FILE)
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir, { recursive: true })
    const pair = ssh2.utils.generateKeyPairSync('ed25519', { comment: 'neuropod-ssh-gateway' })
    const temporary = `${file}.${process.pid}.tmp`
    fs.writeFileSync(temporary, pair.private, { mode: 0o600 })
    try {
      // link() fails when another process created the key first: theirs wins, ours is dropped.
      fs.linkSync(temporary, file)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    } finally {
      fs.rmSync(temporary, { force: true })
    }
  }
  return parseHostKey(fs.readFileSync(file, 'utf8'), file)
}

function parseHostKey(text: string, source: string): HostKey {
  const parsed = ssh2.utils.parseKey(text)
  if (parsed instanceof Error || !parsed.isPrivateKey())
    throw new Error(
      `${source} is not an unencrypted OpenSSH private key (${parsed instanceof Error ? parsed.message : 'public key'})`,
    )
  return { privateKey: text, algorithm: parsed.type, fingerprint: fingerprintOf(parsed.getPublicSSH()) }
}
