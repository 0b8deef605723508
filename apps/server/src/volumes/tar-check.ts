import path from 'node:path'
import { Transform, type TransformCallback } from 'node:stream'

/**
 * What may be written into a volume (ADR 0016): paths relative to the target folder that never
 * climb out of it, and tar entries that are files, folders or links whose targets stay inside.
 * Pure, so the rules are tested as data (tar-check.test.ts).
 */

/** A path inside the volume as the user gave it, normalised ('' is the volume's root), or a problem. */
export function volumePath(input: string | undefined): { path: string } | { problem: string } {
  const raw = (input ?? '').trim()
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f]/.test(raw)) return { problem: 'The path must not contain control characters' }
  if (raw.startsWith('/')) return { problem: 'The path must be relative to the volume (no leading /)' }
  if (raw.split('/').includes('..')) return { problem: 'The path must not contain ..' }
  const normal = path.posix.normalize(raw === '' ? '.' : raw).replace(/\/+$/, '')
  return { path: normal === '.' ? '' : normal }
}

export interface EntryHeader {
  name: string
  type?: string | null
  linkname?: string | null
}

/**
 * Why an entry may not be written, or null. `symlinks` holds the entries already accepted as
 * symlinks: nothing may be written through one (that is how a tar climbs out of its folder).
 */
export function entryProblem(header: EntryHeader, symlinks: Set<string>): string | null {
  const name = header.name
  // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL and other controls are refused
  if (/[\u0000]/.test(name)) return `${JSON.stringify(name)}: NUL in a name`
  if (name.startsWith('/')) return `${name}: absolute paths are refused`
  if (name.split('/').includes('..')) return `${name}: .. is refused`
  const normal = normalEntry(name)
  if (normal === '') return null // the archive's own "./" folder
  for (const link of symlinks)
    if (normal.startsWith(`${link}/`)) return `${name}: writes through the symlink ${link}`
  const type = header.type ?? 'file'
  if (type === 'file' || type === 'contiguous-file' || type === 'directory') return null
  if (type === 'symlink' || type === 'link') {
    const target = header.linkname ?? ''
    if (target.startsWith('/')) return `${name}: links to an absolute path (${target}) are refused`
    const resolved =
      type === 'symlink'
        ? path.posix.normalize(path.posix.join(path.posix.dirname(normal), target))
        : path.posix.normalize(target)
    if (resolved === '..' || resolved.startsWith('../'))
      return `${name}: links outside the upload (${target}) are refused`
    return null
  }
  if (type === 'pax-header' || type === 'pax-global-header' || type === 'gnu-long-path') return null
  return `${name}: ${type} entries (devices, FIFOs…) are refused`
}

export function normalEntry(name: string): string {
  const n = path.posix.normalize(name).replace(/\/+$/, '')
  return n === '.' ? '' : n.replace(/^\.\//, '')
}

export class TooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`The transfer exceeds the limit of ${Math.floor(limit / 1024 / 1024)} MB`)
    this.name = 'TooLargeError'
  }
}

/** Passes bytes through and fails once more than `limit` went by. */
export function byteLimit(limit: number, counted?: (bytes: number) => void): Transform {
  let total = 0
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      total += chunk.length
      counted?.(total)
      if (total > limit) done(new TooLargeError(limit))
      else done(null, chunk)
    },
  })
}
