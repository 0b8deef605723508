import type Dockerode from 'dockerode'
import type { VolumeCreateOptions } from 'dockerode'
import type { VolumeResizeOutcome, VolumeSpec, VolumeUsage } from '../pod-runtime.js'
import { buildVolumeSpec } from './container-spec.js'
import { statusOf } from './engine.js'

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
  constructor(
    private readonly docker: Dockerode,
    private readonly instanceId: string,
  ) {}

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

interface EngineVolumeUsage {
  Name?: string
  UsageData?: { Size?: number; RefCount?: number } | null
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms))
