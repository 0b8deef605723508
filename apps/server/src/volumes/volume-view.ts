import type { Volume } from '@neuropod/contracts'
import { microsToEuros } from '../lib/money.js'
import type { VolumeUsage } from '../runtime/pod-runtime.js'
import type { VolumeWithPod } from './volumes.repository.js'

export interface VolumeViewOptions {
  usage: VolumeUsage
  /** Why a volume has no used-bytes figure (the runtime does not measure it, or failed to) */
  usageNote: string
  resize: 'expand' | 'recorded'
}

/** A volume as its owner and admins see it: used bytes only where measured, never estimated. */
export function volumeView(row: VolumeWithPod, options: VolumeViewOptions): Volume {
  const used = options.usage.get(row.runtime_name)
  const metered = row.owner_role === 'client'
  return {
    volumeId: row.id,
    name: row.name,
    userId: row.user_id,
    userEmail: row.owner_email,
    sizeGb: row.size_gb,
    mountPath: row.mount_path,
    status: row.status === 'deleting' ? 'deleting' : 'ready',
    runtime: row.runtime,
    usedBytes: used ?? null,
    usageNote: used === undefined ? options.usageNote : null,
    resize: options.resize,
    attachedPod:
      row.pod_id && row.pod_name
        ? { podId: row.pod_id, podName: row.pod_name, status: row.pod_status ?? '' }
        : null,
    costPerHour: metered ? microsToEuros(row.rate) : 0,
    metered,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  }
}
