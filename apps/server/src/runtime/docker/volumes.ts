import type { Readable } from 'node:stream'
import type Dockerode from 'dockerode'
import type { VolumeCreateOptions } from 'dockerode'
import { ExecUnavailableError } from '../exec.js'
import { type Exec, run } from '../exec-archive.js'
import type { VolumeResizeOutcome, VolumeSpec, VolumeUsage } from '../pod-runtime.js'
import { buildVolumeSpec } from './container-spec.js'
import { errorMessage, statusOf } from './engine.js'
import { containerName } from './names.js'

/**
 * A user's volumes on the engine (ADR 0016): named volumes labelled with the volume id, created
 * once and kept through every stop and delete of the pods that mount them, removed only here.
 * The local driver has no size limit, so a resize is recorded by the platform only (the API says
 * so); usage comes from the engine's disk-usage report (`GET /system/df`).
 */

/** Creates the volume unless it exists (an engine may answer a second create with a conflict). */
export async function ensureEngineVolume(
  docker: Dockerode,
  body: VolumeCreateOptions,
  signal?: AbortSignal,
): Promise<void> {
  const name = body.Name ?? ''
  try {
    await docker.getVolume(name).inspect({ abortSignal: signal })
    return
  } catch (error) {
    if (statusOf(error) !== 404) throw error
  }
  try {
    await docker.createVolume({ ...body, ...(signal ? { abortSignal: signal } : {}) })
  } catch (error) {
    if (statusOf(error) !== 409) throw error
  }
}

export class DockerVolumes {
  private readonly archives: DockerArchives

  constructor(
    private readonly docker: Dockerode,
    private readonly instanceId: string,
  ) {
    this.archives = new DockerArchives(docker)
  }

  putArchive(podId: string, dir: string, tar: Readable, exec: Exec): Promise<void> {
    return this.archives.put(podId, dir, tar, exec)
  }

  getArchive(podId: string, target: string): Promise<Readable> {
    return this.archives.get(podId, target)
  }

  ensure(volume: VolumeSpec): Promise<void> {
    return ensureEngineVolume(this.docker, buildVolumeSpec(volume, this.instanceId))
  }

  /** Removes the volume; a container still being removed keeps it busy for a moment. */
  async delete(name: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.docker.getVolume(name).remove()
        return
      } catch (error) {
        const status = statusOf(error)
        if (status === 404) return
        if (status !== 409 || attempt >= 10) throw error
        await delay(200)
      }
    }
  }

  /** The local driver has no quota: the new size is the platform's record (and price) only. */
  async resize(volume: VolumeSpec): Promise<VolumeResizeOutcome> {
    await this.ensure(volume)
    return 'recorded'
  }

  /** Sizes from the engine's disk-usage report; volumes it does not measure are left out. */
  async usage(names: string[]): Promise<VolumeUsage> {
    const usage: VolumeUsage = new Map()
    if (names.length === 0) return usage
    const wanted = new Set(names)
    const df = (await this.docker.df()) as { Volumes?: EngineVolumeUsage[] | null }
    for (const v of df.Volumes ?? []) {
      const size = v.UsageData?.Size
      if (v.Name && wanted.has(v.Name) && typeof size === 'number' && size >= 0) usage.set(v.Name, size)
    }
    return usage
  }
}

/**
 * Files through the engine's archive API (`PUT`/`GET /containers/{id}/archive`): the engine
 * extracts into the container's own filesystem, never the host's. The target folder is made first
 * (the API needs it to exist).
 */
export class DockerArchives {
  constructor(private readonly docker: Dockerode) {}

  async put(podId: string, dir: string, tar: Readable, exec: Exec): Promise<void> {
    const made = await run(exec, podId, ['mkdir', '-p', '--', dir])
    if (made.code !== 0) throw new Error(`Could not make ${dir}: ${made.stderr.trim()}`)
    const container = this.docker.getContainer(containerName(podId))
    try {
      await container.putArchive(tar, { path: dir })
    } catch (error) {
      throw archiveError(error)
    }
  }

  async get(podId: string, target: string): Promise<Readable> {
    const container = this.docker.getContainer(containerName(podId))
    try {
      return (await container.getArchive({ path: target })) as Readable
    } catch (error) {
      throw archiveError(error)
    }
  }
}

function archiveError(error: unknown): Error {
  if (statusOf(error) === 404)
    return new ExecUnavailableError('not-running', 'The pod has no running container right now')
  return new Error(`The engine refused the transfer: ${errorMessage(error)}`)
}

interface EngineVolumeUsage {
  Name?: string
  UsageData?: { Size?: number; RefCount?: number } | null
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms))
