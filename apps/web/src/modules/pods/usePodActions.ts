import { useMutation, useQueryClient } from '@tanstack/react-query'
import { api } from '../../api/api'
import { errorMessage } from '../../api/errors'
import type { Pod } from '../../api/types'
import { useToast } from '../../components/Toasts'
import { useT } from '../../i18n'
import { patchCachedPod } from './cache'

type Action = 'start' | 'stop' | 'remove'

/**
 * Start, stop and delete. Nothing is shown as done before the server accepts it: the card shows
 * the request in flight, then the state the server answered, then live updates from the socket.
 * A refusal (no balance, wrong state, no access) is shown with the server's reason.
 */
export function usePodActions(pod: Pod) {
  const client = useQueryClient()
  const toast = useToast()
  const { t } = useT()
  const mutation = useMutation({
    mutationFn: ({ action, deleteVolume }: { action: Action; deleteVolume: boolean }) =>
      action === 'remove' ? api.pods.remove(pod.podId, !deleteVolume) : api.pods[action](pod.podId),
    onSuccess: (result, { action }) => {
      patchCachedPod(client, pod.podId, (p) => ({
        ...p,
        status: result.status,
        desiredState: result.desiredState,
      }))
      toast.show({ tone: 'info', title: t(`pod.action.${action}.accepted`, { name: pod.podName }) })
    },
    onError: (error, { action }) => {
      toast.show({
        tone: 'bad',
        title: t(`pod.action.${action}.failed`, { name: pod.podName }),
        body: errorMessage(error, t('common.unexpectedError')),
      })
    },
  })
  return {
    /** `deleteVolume` applies to 'remove' only: the pod's volume goes too (else it is kept). */
    run: (action: Action, deleteVolume = false) =>
      mutation.mutateAsync({ action, deleteVolume }).then(
        () => true,
        () => false,
      ),
    pending: mutation.isPending ? (mutation.variables?.action ?? null) : null,
    error: mutation.error,
  }
}
