import { type FormEvent, useRef, useState } from 'react'
import { ApiError } from '../../api/errors'
import { downloadVolumeTar, type TransferProgress, uploadVolumeFile } from '../../api/transfer'
import type { Volume } from '../../api/types'
import { Button } from '../../components/Button'
import { Field } from '../../components/Field'
import { type MessageKey, useT, type Vars } from '../../i18n'

type Translate = (key: MessageKey, vars?: Vars) => string

/** Why files cannot move now (the API's 409), or null when a running pod mounts the volume. */
export function transferBlocked(v: Volume, t: Translate): string | null {
  const pod = v.attachedPod
  if (pod && (pod.status === 'running' || pod.status === 'creating')) return null
  return pod ? t('volumeFiles.startPod', { name: pod.podName }) : t('volumeFiles.attach')
}

interface Transfer {
  label: string
  progress: TransferProgress
}

function Progress({ transfer }: { transfer: Transfer }) {
  const { loaded, total } = transfer.progress
  const pct = total ? Math.min(100, Math.round((loaded / total) * 100)) : null
  return (
    <div className="stack" style={{ gap: '0.2rem' }}>
      <span className="small">
        {transfer.label} {pct === null ? `${(loaded / 1e6).toFixed(1)} MB` : `${pct}%`}
      </span>
      <progress aria-label={transfer.label} max={100} value={pct ?? undefined} />
    </div>
  )
}

function message(error: unknown, fallback: string): string {
  return error instanceof ApiError ? error.message : fallback
}

function save(blob: Blob, filename: string) {
  const href = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = href
  a.download = filename
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(href), 0)
}

const join = (folder: string, name: string) => {
  const f = folder.trim().replace(/^\/+|\/+$/g, '')
  return f ? `${f}/${name}` : name
}

/** Upload files into, and download a tar of, a volume through the running pod that mounts it. */
export function VolumeFiles({ volume }: { volume: Volume }) {
  const { t } = useT()
  const blocked = transferBlocked(volume, t)
  const input = useRef<HTMLInputElement>(null)
  const [files, setFiles] = useState<File[]>([])
  const [folder, setFolder] = useState('')
  const [downloadPath, setDownloadPath] = useState('')
  const [transfer, setTransfer] = useState<Transfer | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [done, setDone] = useState<string | null>(null)
  const busy = transfer !== null

  const upload = async (e: FormEvent) => {
    e.preventDefault()
    setError(null)
    setDone(null)
    try {
      for (const file of files) {
        const label = t('volumeFiles.uploading', { name: file.name })
        setTransfer({ label, progress: { loaded: 0, total: file.size } })
        await uploadVolumeFile(volume.volumeId, join(folder, file.name), file, (progress) =>
          setTransfer({ label, progress }),
        )
      }
      setDone(t('volumeFiles.uploaded', { count: files.length }))
      setFiles([])
      if (input.current) input.current.value = ''
    } catch (err) {
      setError(message(err, t('common.unexpectedError')))
    } finally {
      setTransfer(null)
    }
  }

  const download = async () => {
    setError(null)
    setDone(null)
    const label = t('volumeFiles.downloading')
    setTransfer({ label, progress: { loaded: 0, total: null } })
    try {
      const { blob, filename } = await downloadVolumeTar(volume.volumeId, downloadPath.trim(), (progress) =>
        setTransfer({ label, progress }),
      )
      save(blob, filename)
      setDone(t('volumeFiles.downloaded', { name: filename }))
    } catch (err) {
      setError(message(err, t('common.unexpectedError')))
    } finally {
      setTransfer(null)
    }
  }

  return (
    <div className="stack">
      {blocked && (
        <p className="muted small" role="status">
          {blocked}
        </p>
      )}
      <form className="stack" onSubmit={(e) => void upload(e)}>
        <h3>{t('volumeFiles.upload')}</h3>
        <Field label={t('volumeFiles.files')}>
          <input
            ref={input}
            type="file"
            multiple
            disabled={!!blocked || busy}
            onChange={(e) => setFiles(Array.from(e.target.files ?? []))}
          />
        </Field>
        <Field label={t('volumeFiles.folder')} hint={t('volumeFiles.folderHint')}>
          <input
            className="input"
            value={folder}
            disabled={!!blocked || busy}
            onChange={(e) => setFolder(e.target.value)}
          />
        </Field>
        <div>
          <Button type="submit" variant="primary" disabled={!!blocked || busy || files.length === 0}>
            {t('volumeFiles.uploadButton')}
          </Button>
        </div>
      </form>
      <div className="stack">
        <h3>{t('volumeFiles.download')}</h3>
        <Field label={t('volumeFiles.downloadPath')} hint={t('volumeFiles.downloadPathHint')}>
          <input
            className="input"
            value={downloadPath}
            disabled={!!blocked || busy}
            onChange={(e) => setDownloadPath(e.target.value)}
          />
        </Field>
        <div>
          <Button disabled={!!blocked || busy} onClick={() => void download()}>
            {t('volumeFiles.downloadButton')}
          </Button>
        </div>
      </div>
      {transfer && <Progress transfer={transfer} />}
      {error && (
        <p className="error small" role="alert">
          {error}
        </p>
      )}
      {done && (
        <p className="small" role="status">
          {done}
        </p>
      )}
    </div>
  )
}
