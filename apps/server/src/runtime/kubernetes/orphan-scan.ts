import type { OrphanReport } from '../pod-runtime.js'
import { COMPONENT_LABEL, POD_ID_LABEL, podIdFromName, SHARED_COMPONENTS } from './names.js'

/**
 * Which labelled objects on the cluster no pod of the database owns. Pure: the caller passes the
 * cached objects, the known pod ids and the time. Objects younger than `minAgeMs` are never called
 * orphans (their database row may be in flight), nor are the namespace-wide shared objects.
 */

export interface ManagedObject {
  metadata?: {
    name?: string
    labels?: Record<string, string>
    creationTimestamp?: string
  }
}

export interface OrphanScan {
  reports: OrphanReport[]
  /** Pod ids whose objects can be removed with ensureDeleted */
  podIds: Set<string>
}

const POD_ID = /^[a-f0-9]{16}$/

export function scanOrphans(
  candidates: [kind: string, obj: ManagedObject][],
  known: Set<string>,
  nowMs: number,
  minAgeMs: number,
): OrphanScan {
  const reports: OrphanReport[] = []
  const podIds = new Set<string>()
  for (const [kind, obj] of candidates) {
    const meta = obj.metadata ?? {}
    const podId = meta.labels?.[POD_ID_LABEL] ?? podIdFromName(meta.name)
    if (podId && known.has(podId)) continue
    if (SHARED_COMPONENTS.has(meta.labels?.[COMPONENT_LABEL] ?? '')) continue
    const created = meta.creationTimestamp ? new Date(meta.creationTimestamp).getTime() : 0
    if (nowMs - created < minAgeMs) continue
    reports.push({ kind, name: meta.name ?? '', podId: podId ?? null, removed: false })
    if (podId && POD_ID.test(podId)) podIds.add(podId)
  }
  return { reports, podIds }
}

/**
 * Volume claims no volume row names. Volumes belong to users, not pods (ADR 0016): a claim whose
 * pod is gone may still be a kept volume, so only the list of known claim names decides.
 */
export function scanOrphanVolumes(
  claims: ManagedObject[],
  knownVolumes: Set<string>,
  nowMs: number,
  minAgeMs: number,
): { name: string; podId: string | null }[] {
  const orphans: { name: string; podId: string | null }[] = []
  for (const claim of claims) {
    const meta = claim.metadata ?? {}
    const name = meta.name ?? ''
    if (!name || knownVolumes.has(name)) continue
    const created = meta.creationTimestamp ? new Date(meta.creationTimestamp).getTime() : 0
    if (nowMs - created < minAgeMs) continue
    orphans.push({ name, podId: meta.labels?.[POD_ID_LABEL] ?? podIdFromName(name) })
  }
  return orphans
}
