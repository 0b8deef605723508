import path from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { extract, type Header, pack } from 'tar-stream'
import type { AuditLog } from '../audit/audit-log.js'
import type { Principal } from '../auth/principal.js'
import type { Transactions } from '../db/transaction.js'
import { AppError, badRequest } from '../errors.js'
import type { Logger } from '../lib/logger.js'
import { ExecUnavailableError } from '../runtime/exec.js'
import { run } from '../runtime/exec-archive.js'
import type { PodRuntime } from '../runtime/pod-runtime.js'
import { byteLimit, entryProblem, normalEntry, TooLargeError, volumePath } from './tar-check.js'
import type { VolumesRepository } from './volumes.repository.js'
import type { VolumesService } from './volumes.service.js'

export interface VolumeFilesDeps {
  volumes: VolumesService
  rows: VolumesRepository
  transactions: Transactions
  runtime: PodRuntime
  audit: AuditLog
  log: Logger
  /** Largest upload or download, in bytes */
  maxBytes: number
}

/** The mount, and the target inside it, with every symlink resolved in the container. */
const RESOLVE = [
  'm=$(readlink -f -- "$1") || exit 3',
  'p=$2; rest=',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
  'while [ ! -e "$p" ] && [ ! -L "$p" ]; do rest="/${p##*/}$rest"; p=${p%/*}; [ -n "$p" ] || p=/; done',
  'r=$(readlink -f -- "$p") || exit 3',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
  'printf "%s\\n%s%s\\n%s\\n" "$m" "$r" "$rest" "${rest:+missing}"',
].join('\n')

interface Target {
  podId: string
  /** The target's path in the container, symlinks resolved */
  resolved: string
  exists: boolean
}

/**
 * Files in and out of a volume through the pod that mounts it (ADR 0016): tar streams (or one
 * file) checked entry by entry on the way in, re-packed so the runtime only ever sees what was
 * checked, and bounded in size both ways. No path leaves the mount: `..` and absolute paths are
 * refused, and the target is resolved in the container so a symlink cannot lead elsewhere.
 */
export class VolumeFiles {
  constructor(private readonly deps: VolumeFilesDeps) {}

  async upload(
    principal: Principal,
    volumeId: string,
    pathInput: string | undefined,
    body: Readable,
    kind: 'tar' | 'file',
    contentLength: number | null,
  ): Promise<{ bytes: number; entries: number }> {
    const rel = this.relative(pathInput)
    if (kind === 'file' && rel === '')
      throw badRequest('Name the file: ?path=folder/name.ext', [
        { field: 'path', message: 'A file needs a path' },
      ])
    if (kind === 'file' && contentLength === null)
      throw new AppError('VALIDATION_FAILED', 411, 'A single-file upload needs a Content-Length')
    if (contentLength !== null && contentLength > this.deps.maxBytes)
      throw tooLarge(new TooLargeError(this.deps.maxBytes))
    const target = await this.target(principal, volumeId, rel)
    let failure: Error | null = null
    let entries = 0
    let bytes = 0
    const limit = byteLimit(this.deps.maxBytes, (n) => {
      bytes = n
    })
    const out = pack()
    // Failures are reported through `failure`; a stream whose reader is gone must not throw them.
    out.on('error', () => {})
    let dir: string
    let feed: Promise<void>
    if (kind === 'file') {
      dir = path.posix.dirname(target.resolved)
      const entry = out.entry({
        name: path.posix.basename(target.resolved),
        size: contentLength!,
        mode: 0o644,
      })
      entries = 1
      feed = pipeline(body, limit, entry).then(() => {
        out.finalize()
      })
    } else {
      dir = target.resolved
      const ex = extract()
      ex.on('error', () => {})
      const symlinks = new Set<string>()
      ex.on('entry', (header: Header, stream, next) => {
        stream.on('error', () => {}) // destroyed with the archive when it is refused
        const problem = entryProblem(header, symlinks)
        if (problem) {
          failure = badRequest(`The archive was refused: ${problem}`)
          ex.destroy(failure)
          return
        }
        if (header.type === 'symlink') symlinks.add(normalEntry(header.name))
        if (['pax-header', 'pax-global-header', 'gnu-long-path'].includes(header.type ?? '')) {
          stream.resume()
          stream.on('end', next)
          return
        }
        entries++
        const copy = out.entry(
          {
            name: header.name,
            type: header.type ?? 'file',
            size: header.size ?? 0,
            // Permission bits only: no setuid, setgid or sticky bits from an upload.
            mode: (header.mode ?? 0o644) & 0o777,
            mtime: header.mtime ?? new Date(0),
            ...(header.linkname ? { linkname: header.linkname } : {}),
            uid: header.uid ?? 0,
            gid: header.gid ?? 0,
          },
          (error) => (error ? ex.destroy(error) : next()),
        )
        stream.pipe(copy)
      })
      ex.on('finish', () => out.finalize())
      feed = pipeline(body, limit, ex)
    }
    feed = feed.catch((error: Error) => {
      failure ??=
        error instanceof TooLargeError
          ? tooLarge(error)
          : badRequest(`The upload could not be read: ${error.message}`)
      out.destroy(failure)
    })
    try {
      // A Node stream for the runtime (tar-stream's are streamx streams).
      await Promise.all([this.deps.runtime.putArchive(target.podId, dir, Readable.from(out)), feed])
    } catch (error) {
      await feed
      if (failure) throw failure
      throw transferError(error)
    }
    if (failure) throw failure
    await this.deps.audit.record(principal.userId, 'UPLOAD_VOLUME_FILES', 'volume', volumeId, {
      path: rel,
      bytes,
      entries,
    })
    return { bytes, entries }
  }

  async download(
    principal: Principal,
    volumeId: string,
    pathInput: string | undefined,
  ): Promise<{ stream: Readable; filename: string }> {
    const rel = this.relative(pathInput)
    const target = await this.target(principal, volumeId, rel)
    if (!target.exists) throw new AppError('NOT_FOUND', 404, `Nothing at ${rel || '/'} in the volume`)
    // The size first (where the image has du), so a refusal is a clear 413 rather than a cut stream.
    const du = await run((r) => this.deps.runtime.exec(r), target.podId, [
      'du',
      '-s',
      '-k',
      '--',
      target.resolved,
    ]).catch(() => null)
    const kb = du?.code === 0 ? Number.parseInt(du.stdout, 10) : Number.NaN
    if (Number.isFinite(kb) && kb * 1024 > this.deps.maxBytes)
      throw tooLarge(new TooLargeError(this.deps.maxBytes))
    let stream: Readable
    try {
      stream = await this.deps.runtime.getArchive(target.podId, target.resolved)
    } catch (error) {
      throw transferError(error)
    }
    await this.deps.audit.record(principal.userId, 'DOWNLOAD_VOLUME_FILES', 'volume', volumeId, { path: rel })
    const limited = byteLimit(this.deps.maxBytes)
    stream.on('error', (error) => limited.destroy(error))
    limited.on('close', () => stream.destroy())
    const base = rel === '' ? 'volume' : path.posix.basename(rel)
    return { stream: stream.pipe(limited), filename: `${base.replace(/[^A-Za-z0-9._-]/g, '_')}.tar` }
  }

  private relative(input: string | undefined): string {
    const p = volumePath(input)
    if ('problem' in p) throw badRequest(p.problem, [{ field: 'path', message: p.problem }])
    return p.path
  }

  /** The running pod that mounts the volume, and the target resolved inside its mount. */
  private async target(principal: Principal, volumeId: string, rel: string): Promise<Target> {
    await this.deps.volumes.accessible(principal, volumeId)
    if (this.deps.runtime.simulated)
      throw new AppError('INVALID_STATE', 409, 'The simulation stores no files: there is nothing to transfer')
    const holders = await this.deps.transactions.run((tx) => this.deps.rows.holders(tx, volumeId))
    const pod = holders.find((h) => h.compute_active && ['creating', 'running'].includes(h.status))
    if (!pod)
      throw new AppError(
        'INVALID_STATE',
        409,
        holders.length > 0
          ? `Start pod "${holders[0]!.name}" to transfer files: its container reaches the volume`
          : 'Attach the volume to a running pod to transfer files: its container reaches the volume',
      )
    const mount = pod.volume_path
    const wanted = rel === '' ? mount : path.posix.join(mount, rel)
    let out: { code: number | null; stdout: string }
    try {
      out = await run((r) => this.deps.runtime.exec(r), pod.id, ['sh', '-c', RESOLVE, 'sh', mount, wanted])
    } catch (error) {
      throw transferError(error)
    }
    const [mountResolved, resolved, missing] = out.stdout.split('\n')
    if (out.code !== 0 || !mountResolved || !resolved)
      throw new AppError(
        'RUNTIME_UNAVAILABLE',
        503,
        'Could not resolve the path in the pod (it needs sh and readlink)',
      )
    if (resolved !== mountResolved && !resolved.startsWith(`${mountResolved.replace(/\/$/, '')}/`))
      throw badRequest('The path leads outside the volume (through a symlink)', [
        { field: 'path', message: 'Leads outside the volume' },
      ])
    return { podId: pod.id, resolved, exists: missing !== 'missing' }
  }
}

function tooLarge(error: TooLargeError): AppError {
  return new AppError('PAYLOAD_TOO_LARGE', 413, error.message)
}

function transferError(error: unknown): AppError {
  if (error instanceof AppError) return error
  if (error instanceof ExecUnavailableError) return new AppError('INVALID_STATE', 409, error.message)
  return new AppError(
    'RUNTIME_UNAVAILABLE',
    503,
    `The transfer failed: ${error instanceof Error ? error.message : String(error)}`,
  )
}
