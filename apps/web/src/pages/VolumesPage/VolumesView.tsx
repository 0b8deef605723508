import { type FormEvent, useState } from 'react'
import type { Volume } from '../../api/types'
import type { Loaded, ViewAction } from '../../api/view-state'
import { Button } from '../../components/Button'
import { ConfirmDialog, Dialog } from '../../components/Dialog'
import { LoadState } from '../../components/Feedback'
import { Field } from '../../components/Field'
import { useT } from '../../i18n'
import { money } from '../../lib/format'
import { VolumeFiles } from './VolumeFiles'

export interface VolumeChange {
  volumeId: string
  name?: string
  size?: number
}

export interface VolumesViewProps {
  volumes: Loaded<Volume[]>
  create: ViewAction<{ name: string; size: number }>
  update: ViewAction<VolumeChange>
  remove: ViewAction<string>
}

function usedText(v: Volume): string {
  if (v.usedBytes === null) return '–'
  const gb = v.usedBytes / 1e9
  return gb >= 1 ? `${gb.toFixed(1)} GB` : `${(v.usedBytes / 1e6).toFixed(1)} MB`
}

/** The user's volumes: storage that outlives pods (list, create, rename, grow, delete). */
export function VolumesView({ volumes, create, update, remove }: VolumesViewProps) {
  const { t, locale } = useT()
  const [name, setName] = useState('')
  const [size, setSize] = useState('10')
  const [editing, setEditing] = useState<Volume | null>(null)
  const [newName, setNewName] = useState('')
  const [newSize, setNewSize] = useState('')
  const [removing, setRemoving] = useState<Volume | null>(null)
  const [transferring, setTransferring] = useState<Volume | null>(null)

  const submit = (e: FormEvent) => {
    e.preventDefault()
    void create.run({ name: name.trim(), size: Number(size) }).then((ok) => ok && setName(''))
  }
  const edit = (v: Volume) => {
    update.reset()
    setEditing(v)
    setNewName(v.name)
    setNewSize(String(v.sizeGb))
  }
  const saveEdit = () => {
    if (!editing) return
    const change: VolumeChange = { volumeId: editing.volumeId }
    if (newName.trim() !== editing.name) change.name = newName.trim()
    if (Number(newSize) !== editing.sizeGb) change.size = Number(newSize)
    void update.run(change).then((ok) => ok && setEditing(null))
  }

  return (
    <div className="stack">
      <header className="stack" style={{ gap: '0.25rem' }}>
        <h1>{t('volumes.title')}</h1>
        <p className="muted">{t('volumes.intro')}</p>
      </header>
      <section className="card stack" aria-labelledby="new-volume-heading">
        <h2 id="new-volume-heading">{t('volumes.create')}</h2>
        <form className="row" style={{ alignItems: 'flex-end' }} onSubmit={submit}>
          <div style={{ flex: '1 1 14rem' }}>
            <Field label={t('volumes.name')} errors={create.fieldErrors.name}>
              <input
                className="input"
                value={name}
                maxLength={63}
                onChange={(e) => setName(e.target.value)}
              />
            </Field>
          </div>
          <div style={{ flex: '0 1 8rem' }}>
            <Field label={t('volumes.sizeGb')} errors={create.fieldErrors.size}>
              <input
                className="input"
                inputMode="numeric"
                value={size}
                onChange={(e) => setSize(e.target.value)}
              />
            </Field>
          </div>
          <Button type="submit" variant="primary" loading={create.pending} disabled={!name.trim()}>
            {t('volumes.createButton')}
          </Button>
        </form>
        {create.error && Object.keys(create.fieldErrors).length === 0 && (
          <p className="error small" role="alert">
            {create.error}
          </p>
        )}
      </section>
      <section className="card stack" aria-labelledby="volumes-heading">
        <h2 id="volumes-heading">{t('volumes.list')}</h2>
        <LoadState {...volumes} empty={{ when: (list) => list.length === 0, title: t('volumes.none') }}>
          {(list) => (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th>{t('volumes.name')}</th>
                    <th className="num">{t('volumes.size')}</th>
                    <th className="num">{t('volumes.used')}</th>
                    <th>{t('volumes.attachedTo')}</th>
                    <th className="num">{t('volumes.costPerHour')}</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {list.map((v) => (
                    <tr key={v.volumeId} data-volume={v.volumeId}>
                      <td>{v.name}</td>
                      <td className="num">{v.sizeGb} GB</td>
                      <td className="num" title={v.usageNote ?? undefined}>
                        {usedText(v)}
                      </td>
                      <td>{v.attachedPod ? v.attachedPod.podName : t('volumes.free')}</td>
                      <td className="num">
                        {v.metered ? money(v.costPerHour, locale, { precise: true }) : t('pod.notMetered')}
                      </td>
                      <td className="num">
                        <div className="row" style={{ justifyContent: 'flex-end', gap: '0.4rem' }}>
                          <Button
                            size="sm"
                            onClick={() => setTransferring(v)}
                            aria-label={t('volumeFiles.openOf', { name: v.name })}
                          >
                            {t('volumeFiles.open')}
                          </Button>
                          <Button
                            size="sm"
                            onClick={() => edit(v)}
                            aria-label={t('volumes.editOf', { name: v.name })}
                          >
                            {t('volumes.edit')}
                          </Button>
                          <Button
                            size="sm"
                            variant="danger"
                            onClick={() => {
                              remove.reset()
                              setRemoving(v)
                            }}
                            aria-label={t('volumes.deleteOf', { name: v.name })}
                          >
                            {t('volumes.delete')}
                          </Button>
                        </div>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </LoadState>
      </section>
      <Dialog
        open={transferring !== null}
        wide
        title={t('volumeFiles.title', { name: transferring?.name ?? '' })}
        onClose={() => setTransferring(null)}
      >
        {transferring && <VolumeFiles volume={transferring} />}
      </Dialog>
      <ConfirmDialog
        open={editing !== null}
        title={t('volumes.editTitle', { name: editing?.name ?? '' })}
        confirmLabel={t('volumes.save')}
        pending={update.pending}
        error={update.error}
        onConfirm={saveEdit}
        onCancel={() => setEditing(null)}
      >
        <Field label={t('volumes.name')}>
          <input
            className="input"
            value={newName}
            maxLength={63}
            onChange={(e) => setNewName(e.target.value)}
          />
        </Field>
        <Field label={t('volumes.sizeGb')} hint={t('volumes.growHint')}>
          <input
            className="input"
            inputMode="numeric"
            value={newSize}
            onChange={(e) => setNewSize(e.target.value)}
          />
        </Field>
      </ConfirmDialog>
      <ConfirmDialog
        open={removing !== null}
        danger
        title={t('volumes.deleteTitle', { name: removing?.name ?? '' })}
        confirmLabel={t('volumes.delete')}
        pending={remove.pending}
        error={remove.error}
        onConfirm={() => removing && void remove.run(removing.volumeId).then((ok) => ok && setRemoving(null))}
        onCancel={() => setRemoving(null)}
      >
        <p>{t('volumes.deleteBody')}</p>
      </ConfirmDialog>
    </div>
  )
}
