import { type ReactNode, useState } from 'react'
import type { Pod } from '../../api/types'
import { ConfirmDialog } from '../../components/Dialog'
import { useT } from '../../i18n'
import { ConnectDialog } from './ConnectDialog'
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
  /** Asks first: deleting loses the volume */
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
  const confirm = async (action: 'stop' | 'remove') => {
    if (!(await actions.run(action))) return
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
      <ConfirmDialog
        open={dialog === 'remove'}
        danger
        title={t('pod.confirmDelete.title', { name: pod.podName })}
        confirmLabel={t('pod.delete')}
        pending={actions.pending === 'remove'}
        onConfirm={() => void confirm('remove')}
        onCancel={close}
      >
        <p>{t('pod.confirmDelete.body', { volume: pod.volumeDiskSize, path: pod.volumePath })}</p>
        {options.showOwner && <p>{t('pod.confirmDelete.owner', { email: pod.userEmail })}</p>}
      </ConfirmDialog>
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
