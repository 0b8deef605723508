import { Link } from 'react-router'
import type { Template } from '../../api/types'
import type { Loaded } from '../../api/view-state'
import { Button } from '../../components/Button'
import { Badge, LoadState } from '../../components/Feedback'
import { useT } from '../../i18n'
import { Markdown } from '../../lib/markdown'

export function TemplateCard({
  template,
  onEdit,
  onDelete,
}: {
  template: Template
  onEdit: () => void
  onDelete: () => void
}) {
  const { t } = useT()
  return (
    <article className="card stack" data-template={template.name}>
      <div className="card-title">
        <h3 style={{ margin: 0 }}>{template.name}</h3>
        <Badge>{t('templates.podCount', { count: template.podCount })}</Badge>
      </div>
      <code className="small" style={{ wordBreak: 'break-all' }}>
        {template.dockerImage}
      </code>
      <div className="small">
        <div>HTTP: {template.httpPorts.map((p) => `${p.port} (${p.serviceName})`).join(', ')}</div>
        {template.tcpPorts.length > 0 && (
          <div>TCP: {template.tcpPorts.map((p) => `${p.port} (${p.serviceName})`).join(', ')}</div>
        )}
        <div className="muted">
          {t('pod.disks', {
            container: template.containerDiskSize,
            volume: template.volumeDiskSize,
            path: template.volumePath,
          })}
        </div>
      </div>
      {template.description && (
        <details>
          <summary className="small">{t('templates.description')}</summary>
          <Markdown source={template.description} />
        </details>
      )}
      <div className="row">
        <Link className="btn btn-sm btn-primary" to={`/deploy?template=${encodeURIComponent(template.id)}`}>
          {t('templates.deploy')}
        </Link>
        <Button size="sm" onClick={onEdit} aria-label={t('templates.editTitle', { name: template.name })}>
          {t('templates.edit')}
        </Button>
        <Button
          size="sm"
          variant="danger"
          onClick={onDelete}
          aria-label={t('templates.deleteTitle', { name: template.name })}
        >
          {t('templates.delete')}
        </Button>
      </div>
    </article>
  )
}

export interface AdminTemplatesViewProps {
  templates: Loaded<Template[]>
  onNew: () => void
  onEdit: (template: Template) => void
  onDelete: (template: Template) => void
}

export function AdminTemplatesView({ templates, onNew, onEdit, onDelete }: AdminTemplatesViewProps) {
  const { t } = useT()
  return (
    <>
      <div className="page-head">
        <div>
          <h1>{t('templates.title')}</h1>
          <p>{t('templates.subtitle')}</p>
        </div>
        <Button variant="primary" onClick={onNew}>
          {t('templates.create')}
        </Button>
      </div>
      <LoadState {...templates} empty={{ when: (list) => list.length === 0, title: t('templates.none') }}>
        {(list) => (
          <div className="grid-2">
            {list.map((tpl) => (
              <TemplateCard
                key={tpl.id}
                template={tpl}
                onEdit={() => onEdit(tpl)}
                onDelete={() => onDelete(tpl)}
              />
            ))}
          </div>
        )}
      </LoadState>
    </>
  )
}
