import { isAlreadyExists, isConflict, isNotFound, kube, plain } from './kube-client.js'
import { rejectedOr } from './object-compare.js'

/**
 * Bringing one object to its desired form, the way every NeuroPod object on a cluster is written:
 * create when missing; replace (with the current resourceVersion) when the current copy differs or
 * belongs to an earlier incarnation of the pod. 409 and 404 answers loop once more with a fresh
 * read, because the informers' cache may lag behind the API.
 */

type Named = { metadata?: { name?: string; resourceVersion?: string } }

/** How converge() reads and writes one kind of object. */
export interface ConvergeApi<T> {
  kind: string
  same(desired: T, current: T): boolean
  create(body: T): Promise<T>
  read(name: string): Promise<T>
  replace(name: string, body: T, current: T): Promise<T>
}

const ATTEMPTS = 4

export async function converge<T extends Named>(
  desired: T,
  cached: unknown,
  api: ConvergeApi<T>,
): Promise<void> {
  const name = desired.metadata!.name!
  let current = cached as T | undefined
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    try {
      if (!current) {
        await kube(`create ${api.kind} ${name}`, () => api.create(desired))
        return
      }
      if (api.same(desired, current)) return
      const base = current
      const body = {
        ...desired,
        metadata: { ...desired.metadata, resourceVersion: base.metadata?.resourceVersion },
      }
      await kube(`replace ${api.kind} ${name}`, () => api.replace(name, body, base))
      return
    } catch (error) {
      if (isAlreadyExists(error) || isConflict(error)) {
        current = plain<T>(await kube(`read ${api.kind} ${name}`, () => api.read(name)))
      } else if (isNotFound(error)) {
        current = undefined
      } else throw rejectedOr(error)
    }
  }
  throw new Error(`${api.kind} ${name} keeps changing under us; retrying`)
}

/** For objects no informer watches: read the current one first, then converge to it. */
export async function convergeUncached<T extends Named>(desired: T, api: ConvergeApi<T>): Promise<void> {
  const name = desired.metadata!.name!
  let current: T | undefined
  try {
    current = await kube(`read ${api.kind} ${name}`, () => api.read(name))
  } catch (error) {
    if (!isNotFound(error)) throw error
  }
  await converge<T>(desired, current, api)
}

/** Deletes are idempotent: "already gone" is success. */
export async function deleteIgnoringMissing(action: string, call: () => Promise<unknown>): Promise<void> {
  try {
    await kube(action, call)
  } catch (error) {
    if (!isNotFound(error)) throw error
  }
}
