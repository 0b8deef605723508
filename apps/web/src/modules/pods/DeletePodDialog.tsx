import { useState } from 'react'
import type { Pod } from '../../api/types'
import { ConfirmDialog } from '../../components/Dialog'
import { useT } from '../../i18n'

export interface DeletePodDialogProps {
  pod: Pod
  open: boolean
  showOwner: boolean
  pending: boolean
  /** `deleteVolume` false (the default) keeps the volume among the user's volumes */
  onConfirm: (deleteVolume: boolean) => void
  onCancel: () => void
}

/** Asks before deleting a pod, and whether its volume goes too (kept unless ticked, ADR 0016). */
export function DeletePodDialog({
  pod,
  open,
  showOwner,
  pending,
  onConfirm,
  onCancel,
}: DeletePodDialogProps) {
  const { t } = useT()
  const [deleteVolume, setDeleteVolume] = useState(false)
  return (
    <ConfirmDialog
      open={open}
      danger
      title={t('pod.confirmDelete.title', { name: pod.podName })}
      confirmLabel={t('pod.delete')}
      pending={pending}
      onConfirm={() => onConfirm(deleteVolume)}
      onCancel={onCancel}
    >
      <p>{t('pod.confirmDelete.body', { volume: pod.volumeDiskSize, path: pod.volumePath })}</p>
      <label className="row" style={{ gap: '0.5rem', alignItems: 'flex-start' }}>
        <input type="checkbox" checked={deleteVolume} onChange={(e) => setDeleteVolume(e.target.checked)} />
        <span>
          {t('pod.confirmDelete.deleteVolume', { volume: pod.volumeDiskSize, path: pod.volumePath })}
        </span>
      </label>
      {!deleteVolume && <p className="small muted">{t('pod.confirmDelete.keptVolume')}</p>}
      {showOwner && <p>{t('pod.confirmDelete.owner', { email: pod.userEmail })}</p>}
    </ConfirmDialog>
  )
}
