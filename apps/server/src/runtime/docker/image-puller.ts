import type Dockerode from 'dockerode'
import { JsonLines } from './json-lines.js'

/**
 * Pulls an image and turns the engine's per-layer progress messages into one percentage.
 * `PullProgress` is pure (fed the decoded messages, tested as data); `pullImage` wires it to the
 * engine's /images/create stream.
 */

export interface PullMessage {
  id?: string
  status?: string
  progressDetail?: { current?: number; total?: number }
  error?: string
  errorDetail?: { message?: string }
}

export interface PullState {
  /** 0–100 over the layers whose size is known, or null before any size is known */
  percent: number | null
  bytesDone: number
  bytesTotal: number
  layers: number
  status: string
}

export class PullError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'PullError'
  }
}

const DONE = /^(pull complete|already exists|download complete|verifying checksum)/i

export class PullProgress {
  private readonly layers = new Map<string, { current: number; total: number; done: boolean }>()
  private status = 'Pulling'

  /** Applies one message; throws PullError when the engine reports a failure. */
  apply(message: PullMessage): PullState {
    const error = message.errorDetail?.message ?? message.error
    if (error) throw new PullError(error)
    if (message.status) this.status = message.status
    const id = message.id
    // Messages without a layer id (or naming the tag itself) describe the whole pull.
    if (id && /^[a-f0-9]{12,}$/.test(id)) {
      const layer = this.layers.get(id) ?? { current: 0, total: 0, done: false }
      const detail = message.progressDetail
      if (detail?.total && detail.total > 0 && /download/i.test(message.status ?? '')) {
        layer.total = detail.total
        layer.current = Math.min(detail.current ?? 0, detail.total)
      }
      if (DONE.test(message.status ?? '')) {
        layer.done = true
        if (layer.total > 0) layer.current = layer.total
      }
      this.layers.set(id, layer)
    }
    return this.state()
  }

  state(): PullState {
    let done = 0
    let total = 0
    let finished = 0
    for (const l of this.layers.values()) {
      done += l.current
      total += l.total
      if (l.done) finished++
    }
    let percent: number | null = null
    if (total > 0) percent = Math.floor((done / total) * 100)
    else if (this.layers.size > 0) percent = Math.floor((finished / this.layers.size) * 100)
    return { percent, bytesDone: done, bytesTotal: total, layers: this.layers.size, status: this.status }
  }
}

/** Pulls `image`, calling `onProgress` as layers move; rejects with the engine's own message. */
export async function pullImage(
  docker: Dockerode,
  image: string,
  signal: AbortSignal,
  onProgress: (state: PullState) => void,
): Promise<void> {
  const stream = (await docker.pull(image, { abortSignal: signal })) as NodeJS.ReadableStream
  const progress = new PullProgress()
  const lines = new JsonLines()
  await new Promise<void>((resolve, reject) => {
    let failed = false
    const fail = (error: unknown) => {
      if (failed) return
      failed = true
      ;(stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.()
      reject(error)
    }
    const onAbort = () => fail(new PullError('The pull was cancelled'))
    signal.addEventListener('abort', onAbort, { once: true })
    stream.on('data', (chunk: Buffer) => {
      try {
        for (const message of lines.push(chunk)) onProgress(progress.apply(message as PullMessage))
      } catch (error) {
        fail(error)
      }
    })
    stream.on('error', fail)
    stream.on('end', () => {
      signal.removeEventListener('abort', onAbort)
      if (!failed) resolve()
    })
  })
}
