import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { api } from '../../api/api'
import { errorMessage } from '../../api/errors'
import type { HttpService, Pod, PortAccess, TcpService } from '../../api/types'
import { CopyButton } from '../../components/CopyButton'
import { Dialog } from '../../components/Dialog'
import { Alert, Badge, type BadgeTone } from '../../components/Feedback'
import { useToast } from '../../components/Toasts'
import { useT } from '../../i18n'
import { SshHint } from '../ssh/SshHint'
import { patchCachedPod } from './cache'

const SERVICE_TONE: Record<HttpService['status'], BadgeTone> = {
  ready: 'ok',
  creating: 'info',
  error: 'bad',
  stopped: 'neutral',
}

export interface ConnectViewProps {
  pod: Pod
  onAccess: (port: number, access: PortAccess) => void
  pendingPort: number | null
}

/** Every service of the pod, its readiness, its URL to copy or open, and who may open it. */
export function ConnectView({ pod, onAccess, pendingPort }: ConnectViewProps) {
  const { t } = useT()
  const stopped = pod.status === 'stopped' || pod.status === 'error'
  return (
    <div className="stack">
      {stopped && <Alert tone="warn">{t('connect.stopped')}</Alert>}
      {(pod.status === 'pending' || pod.status === 'creating') && (
        <Alert tone="info">{t('connect.starting')}</Alert>
      )}
      <section>
        <h3>{t('connect.http')}</h3>
        {pod.httpServices.length === 0 && <p className="muted">{t('connect.none')}</p>}
        {pod.httpServices.map((s) => (
          <HttpServiceRow
            key={s.port}
            service={s}
            podId={pod.podId}
            onAccess={onAccess}
            pending={pendingPort === s.port}
          />
        ))}
      </section>
      {pod.tcpServices.length > 0 && (
        <section>
          <h3>{t('connect.tcp')}</h3>
          {pod.tcpServices.map((s) => (
            <TcpServiceRow key={s.port} service={s} />
          ))}
        </section>
      )}
      <SshHint pod={pod} />
    </div>
  )
}

function HttpServiceRow({
  service: s,
  podId,
  onAccess,
  pending,
}: {
  service: HttpService
  podId: string
  onAccess: ConnectViewProps['onAccess']
  pending: boolean
}) {
  const { t } = useT()
  const ready = s.status === 'ready'
  const inputId = `url-${podId}-${s.port}`
  return (
    <div className="service">
      <div className="stack" style={{ gap: '0.35rem', minWidth: 0 }}>
        <div className="row">
          <strong>{s.serviceName}</strong>
          <span className="muted small">:{s.port}</span>
          <Badge tone={SERVICE_TONE[s.status]} dot pulse={s.status === 'creating'}>
            {t(`service.status.${s.status}`)}
          </Badge>
          {s.jupyter && <Badge tone="primary">{t('connect.jupyterReady')}</Badge>}
        </div>
        {s.statusReason && <span className="small muted">{s.statusReason}</span>}
        <div className="url-row">
          <label className="sr-only" htmlFor={inputId}>
            {t('connect.urlOf', { name: s.serviceName })}
          </label>
          <input
            id={inputId}
            className="input"
            readOnly
            value={s.url}
            onFocus={(e) => e.currentTarget.select()}
          />
          <CopyButton text={s.url} label={t('connect.copyUrl', { name: s.serviceName })} />
        </div>
        <AccessChoice
          name={`access-${podId}-${s.port}`}
          serviceName={s.serviceName}
          access={s.access}
          pending={pending}
          onChange={(value) => onAccess(s.port, value)}
        />
      </div>
      <div>
        {ready ? (
          <a className="btn btn-primary" href={s.url} target="_blank" rel="noopener noreferrer">
            {t('connect.open')}
          </a>
        ) : (
          <button type="button" className="btn" disabled title={t('connect.notReady')}>
            {t('connect.open')}
          </button>
        )}
      </div>
    </div>
  )
}

/**
 * Private or public as an explicit choice (a checkbox labelled with the current state read
 * backwards). The radios show what the server has; publishing asks for a confirmation first,
 * making private does not.
 */
function AccessChoice({
  name,
  serviceName,
  access,
  pending,
  onChange,
}: {
  name: string
  serviceName: string
  access: PortAccess
  pending: boolean
  onChange: (access: PortAccess) => void
}) {
  const { t } = useT()
  const [confirming, setConfirming] = useState(false)
  const choose = (value: PortAccess) => {
    if (value === access) return setConfirming(false)
    if (value === 'public') return setConfirming(true)
    setConfirming(false)
    onChange('private')
  }
  return (
    <fieldset className="access-choice small" disabled={pending}>
      <legend className="sr-only">{t('connect.accessLegend', { name: serviceName })}</legend>
      <label className="checkbox">
        <input
          type="radio"
          name={name}
          checked={access === 'private' && !confirming}
          onChange={() => choose('private')}
        />
        {t('connect.private')}
      </label>
      <label className="checkbox">
        <input
          type="radio"
          name={name}
          checked={access === 'public' || confirming}
          onChange={() => choose('public')}
        />
        {t('connect.public')}
      </label>
      {pending && <span className="spinner" aria-hidden="true" />}
      {confirming && (
        <Alert tone="warn">
          <p style={{ margin: 0 }}>{t('connect.publicWarning', { name: serviceName })}</p>
          <div className="row" style={{ marginTop: '0.5rem' }}>
            <button
              type="button"
              className="btn btn-primary btn-sm"
              onClick={() => {
                setConfirming(false)
                onChange('public')
              }}
            >
              {t('connect.makePublic')}
            </button>
            <button type="button" className="btn btn-sm" onClick={() => setConfirming(false)}>
              {t('common.cancel')}
            </button>
          </div>
        </Alert>
      )}
    </fieldset>
  )
}

function TcpServiceRow({ service: s }: { service: TcpService }) {
  const { t } = useT()
  const address = s.host && s.hostPort ? `${s.host}:${s.hostPort}` : null
  const ssh = s.port === 22 && s.host && s.hostPort ? `ssh -p ${s.hostPort} root@${s.host}` : null
  return (
    <div className="service">
      <div className="stack" style={{ gap: '0.35rem' }}>
        <div className="row">
          <strong>{s.serviceName}</strong>
          <span className="muted small">:{s.port}/tcp</span>
          <Badge tone={SERVICE_TONE[s.status]} dot>
            {t(`service.status.${s.status}`)}
          </Badge>
        </div>
        {address ? (
          <div className="url-row">
            <code>{ssh ?? address}</code>
            <CopyButton text={ssh ?? address} />
          </div>
        ) : (
          <span className="small muted">{t('connect.noAddress')}</span>
        )}
      </div>
    </div>
  )
}

export function ConnectDialog({ pod, open, onClose }: { pod: Pod; open: boolean; onClose: () => void }) {
  const { t } = useT()
  const client = useQueryClient()
  const toast = useToast()
  const access = useMutation({
    mutationFn: ({ port, value }: { port: number; value: PortAccess }) =>
      api.pods.setPortAccess(pod.podId, port, value),
    onSuccess: (updated) => patchCachedPod(client, pod.podId, () => updated),
    onError: (error) =>
      toast.show({
        tone: 'bad',
        title: t('connect.accessFailed'),
        body: errorMessage(error, t('common.unexpectedError')),
      }),
  })
  return (
    <Dialog open={open} onClose={onClose} title={t('connect.title', { name: pod.podName })}>
      <ConnectView
        pod={pod}
        pendingPort={access.isPending ? (access.variables?.port ?? null) : null}
        onAccess={(port, value) => access.mutate({ port, value })}
      />
    </Dialog>
  )
}
