/**
 * Names and labels of everything the docker runtime creates. Names come from the pod id only
 * (never from user text); labels tie each object to its pod, its owner and this NeuroPod instance,
 * which is what the event filter, `list()` and the orphan scan select on.
 */

export const LABEL_MANAGED = 'io.neuropod.managed'
/** Which NeuroPod installation owns the object: several may share one engine (and tests do). */
export const LABEL_INSTANCE = 'io.neuropod.instance'
export const LABEL_POD = 'io.neuropod.pod-id'
export const LABEL_USER = 'io.neuropod.user-id'
/** The platform's volume id on a volume created since volumes outlive pods (ADR 0016) */
export const LABEL_VOLUME = 'io.neuropod.volume-id'
/** `workload` (the container) or `data` (the volume) */
export const LABEL_ROLE = 'io.neuropod.role'

const POD_ID = /^[a-f0-9]{16}$/

export const containerName = (podId: string): string => `neuropod-${podId}`
/** Volumes made before ADR 0016 were named after their first pod; they keep that name. */
export const legacyVolumeName = (podId: string): string => `neuropod-${podId}-data`
export const volumeName = (volumeId: string): string => `neuropod-vol-${volumeId}`

/** The pod id in a container or volume name we created, or null. */
export function podIdFromName(name: string): string | null {
  const m = /^\/?neuropod-([a-f0-9]{16})(?:-data)?$/.exec(name)
  return m ? m[1]! : null
}

export function isPodId(value: string | undefined): value is string {
  return value !== undefined && POD_ID.test(value)
}

export function podLabels(
  instanceId: string,
  podId: string,
  userId: string,
  role: 'workload' | 'data',
): Record<string, string> {
  return {
    [LABEL_MANAGED]: 'true',
    [LABEL_INSTANCE]: instanceId,
    [LABEL_POD]: podId,
    [LABEL_USER]: userId,
    [LABEL_ROLE]: role,
  }
}

export function volumeLabels(instanceId: string, volumeId: string, userId: string): Record<string, string> {
  return {
    [LABEL_MANAGED]: 'true',
    [LABEL_INSTANCE]: instanceId,
    [LABEL_VOLUME]: volumeId,
    [LABEL_USER]: userId,
    [LABEL_ROLE]: 'data',
  }
}

/** The engine filter that selects this instance's objects (one label: Podman ORs several). */
export const instanceFilter = (instanceId: string): string =>
  JSON.stringify({ label: [`${LABEL_INSTANCE}=${instanceId}`] })
