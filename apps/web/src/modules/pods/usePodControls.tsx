import { type ReactNode, useState } from 'react'
import type { Pod } from '../../api/types'
import { ConfirmDialog } from '../../components/Dialog'
import { useT } from '../../i18n'
import { ConnectDialog } from './ConnectDialog'
import { DeletePodDialog } from './DeletePodDialog'
import { LogsDialog } from './LogsDialog'
import { usePodActions } from './usePodActions'

type OpenDialog = 'connect' | 'logs' | 'stop' | 'remove' | null

export interface PodControls {
  pending: 'start' | 'stop' | 'remove' | null
  onConnect: () => void
  onLogs: () => void
  onStart: () => void
  /** Asks first: stopping ends what runs in the pod */
  onStop: () => void
  /** Asks first, and whether the volume goes too (kept by default) */
  onDelete: () => void
  /** The dialogs the controls open; render them next to the view */
  dialogs: ReactNode
}

/**
 * Connect, logs, start, stop (confirmed) and delete (confirmed) for one pod: the same on its card
 * and on its page. `onDeleted` runs once the server accepted a delete.
 */
export function usePodControls(
  pod: Pod,
  options: { showOwner: boolean; onDeleted?: () => void },
): PodControls {
  const { t } = useT()
  const [dialog, setDialog] = useState<OpenDialog>(null)
  const actions = usePodActions(pod)
  const close = () => setDialog(null)
  const confirm = async (action: 'stop' | 'remove', deleteVolume = false) => {
    if (!(await actions.run(action, deleteVolume))) return
    close()
    if (action === 'remove') options.onDeleted?.()
  }
  const dialogs = (
    <>
      {dialog === 'connect' && <ConnectDialog pod={pod} open onClose={close} />}
      {dialog === 'logs' && <LogsDialog pod={pod} open onClose={close} />}
      <ConfirmDialog
        open={dialog === 'stop'}
        title={t('pod.confirmStop.title', { name: pod.podName })}
        confirmLabel={t('pod.stop')}
        pending={actions.pending === 'stop'}
        onConfirm={() => void confirm('stop')}
        onCancel={close}
      >
        <p>{t('pod.confirmStop.body', { path: pod.volumePath })}</p>
      </ConfirmDialog>
      <DeletePodDialog
        pod={pod}
        open={dialog === 'remove'}
        showOwner={options.showOwner}
        pending={actions.pending === 'remove'}
        onConfirm={(deleteVolume) => void confirm('remove', deleteVolume)}
        onCancel={close}
      />
    </>
  )
  return {
    pending: actions.pending,
    onConnect: () => setDialog('connect'),
    onLogs: () => setDialog('logs'),
    onStart: () => void actions.run('start'),
    onStop: () => setDialog('stop'),
    onDelete: () => setDialog('remove'),
    dialogs,
  }
}
