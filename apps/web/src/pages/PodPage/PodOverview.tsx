import type { HttpService, Pod, TcpService } from '../../api/types'
import { CopyButton } from '../../components/CopyButton'
import { Badge, LoadState } from '../../components/Feedback'
import { useT } from '../../i18n'
import { dateTime, money } from '../../lib/format'
import { gpuText, serviceTone } from '../../modules/pods/status'
import { SshHint } from '../../modules/ssh/SshHint'

/** What the pod is made of, and where to reach it. */
export function PodOverview({ pod, showOwner }: { pod: Pod; showOwner: boolean }) {
  const { t } = useT()
  const services = [...pod.httpServices, ...pod.tcpServices]
  return (
    <div className="grid-2">
      <section className="card stack" aria-labelledby="pod-details-heading">
        <h2 id="pod-details-heading">{t('podPage.details')}</h2>
        <PodFacts pod={pod} showOwner={showOwner} />
      </section>
      <section className="card stack" aria-labelledby="pod-connections-heading">
        <h2 id="pod-connections-heading">{t('podPage.connections')}</h2>
        <LoadState
          compact
          data={services}
          error={null}
          empty={{ when: (list) => list.length === 0, title: t('podPage.noPorts') }}
        >
          {() => (
            <>
              {pod.httpServices.length > 0 && (
                <div>
                  <h3 className="label">{t('connect.http')}</h3>
                  {pod.httpServices.map((s) => (
                    <HttpRow key={s.port} service={s} />
                  ))}
                </div>
              )}
              {pod.tcpServices.length > 0 && (
                <div>
                  <h3 className="label">{t('connect.tcp')}</h3>
                  {pod.tcpServices.map((s) => (
                    <TcpRow key={s.port} service={s} />
                  ))}
                </div>
              )}
            </>
          )}
        </LoadState>
        <SshHint pod={pod} />
      </section>
    </div>
  )
}

function PodFacts({ pod, showOwner }: { pod: Pod; showOwner: boolean }) {
  const { t, locale } = useT()
  const facts: [string, string][] = [
    ...(pod.templateName ? [[t('podPage.template'), pod.templateName] as [string, string]] : []),
    [t('podPage.image'), pod.dockerImage],
    [t('podPage.gpu'), gpuText(pod)],
    [
      t('podPage.storage'),
      t('pod.disks', { container: pod.containerDiskSize, volume: pod.volumeDiskSize, path: pod.volumePath }),
    ],
    [t('podPage.created'), dateTime(pod.createdAt, locale)],
    ...(pod.startedAt ? [[t('podPage.started'), dateTime(pod.startedAt, locale)] as [string, string]] : []),
    ...(pod.stoppedAt ? [[t('podPage.stopped'), dateTime(pod.stoppedAt, locale)] as [string, string]] : []),
    ...(showOwner ? [[t('podPage.owner'), pod.userEmail] as [string, string]] : []),
    ...(pod.startCommand ? [[t('podPage.startCommand'), pod.startCommand] as [string, string]] : []),
    [t('pod.costSoFar'), pod.metered ? money(pod.costSoFar, locale) : t('pod.notMetered')],
    [t('podPage.runtime'), pod.runtime],
  ]
  return (
    <dl className="facts">
      {facts.map(([label, value]) => (
        <div key={label} style={{ display: 'contents' }}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  )
}

function HttpRow({ service: s }: { service: HttpService }) {
  const { t } = useT()
  return (
    <div className="service" data-port={s.port}>
      <div className="stack" style={{ gap: '0.35rem', minWidth: 0 }}>
        <div className="row">
          <strong>{s.serviceName}</strong>
          <span className="muted small">:{s.port}</span>
          <Badge tone={serviceTone(s.status)} dot pulse={s.status === 'creating'}>
            {t(`service.status.${s.status}`)}
          </Badge>
          <Badge tone={s.access === 'public' ? 'warn' : 'neutral'}>{t(`podPage.access.${s.access}`)}</Badge>
        </div>
        {s.statusReason && <span className="small muted">{s.statusReason}</span>}
        <div className="url-row" style={{ minWidth: 0 }}>
          {s.status === 'ready' ? (
            <a
              className="mono small"
              href={s.url}
              target="_blank"
              rel="noopener noreferrer"
              style={{ overflowWrap: 'anywhere' }}
            >
              {s.url}
            </a>
          ) : (
            <code className="small" style={{ overflowWrap: 'anywhere' }}>
              {s.url}
            </code>
          )}
          <CopyButton text={s.url} label={t('connect.copyUrl', { name: s.serviceName })} />
        </div>
      </div>
    </div>
  )
}

function TcpRow({ service: s }: { service: TcpService }) {
  const { t } = useT()
  const address = s.host && s.hostPort ? `${s.host}:${s.hostPort}` : null
  return (
    <div className="service" data-port={s.port}>
      <div className="stack" style={{ gap: '0.35rem', minWidth: 0 }}>
        <div className="row">
          <strong>{s.serviceName}</strong>
          <span className="muted small">:{s.port}/tcp</span>
          <Badge tone={serviceTone(s.status)} dot>
            {t(`service.status.${s.status}`)}
          </Badge>
        </div>
        {address ? (
          <div className="url-row">
            <code>{address}</code>
            <CopyButton text={address} label={t('connect.copyUrl', { name: s.serviceName })} />
          </div>
        ) : (
          <span className="small muted">{t('connect.noAddress')}</span>
        )}
      </div>
    </div>
  )
}
