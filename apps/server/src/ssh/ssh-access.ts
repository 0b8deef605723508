import type { KeyOwner } from './ssh-keys.repository.js'
import type { SshPod, SshPodsRepository } from './ssh-pods.repository.js'

const POD_ID = /^[a-f0-9]{16}$/

export type PodAccess = { pod: SshPod } | { refusal: string }

/**
 * Which pod an SSH user name opens for the key's account: a pod id (owners, and admins for any
 * pod) or the name of one of the user's own pods. Unknown pods and other people's pods get the
 * same answer, so the gateway never tells whether a pod exists.
 */
export async function resolvePod(
  pods: SshPodsRepository,
  owner: KeyOwner,
  username: string,
): Promise<PodAccess> {
  const missing = {
    refusal: `You have no pod "${username}": use the pod's id or name (see \`neuropod pods\`)`,
  }
  if (POD_ID.test(username)) {
    const pod = await pods.byId(username)
    if (pod && (pod.userId === owner.userId || owner.role === 'admin')) return { pod }
    if (pod) return missing
  }
  const named = await pods.byName(owner.userId, username)
  if (named.length === 1) return { pod: named[0]! }
  if (named.length > 1) return { refusal: `Several of your pods are named "${username}": use the pod id` }
  return missing
}
