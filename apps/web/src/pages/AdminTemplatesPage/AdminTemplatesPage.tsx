import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { api } from '../../api/api'
import { errorMessage } from '../../api/errors'
import { templateKeys, templatesQuery } from '../../api/queries/templates'
import type { CreateTemplateBody, Template } from '../../api/types'
import { loaded, viewAction } from '../../api/view-state'
import { ConfirmDialog } from '../../components/Dialog'
import { useToast } from '../../components/Toasts'
import { useT } from '../../i18n'
import { AdminTemplatesView } from './AdminTemplatesView'
import { TemplateEditorView } from './TemplateEditorView'

function TemplateEditor({ template, onClose }: { template: Template | null; onClose: () => void }) {
  const { t } = useT()
  const client = useQueryClient()
  const toast = useToast()
  const save = useMutation({
    mutationFn: (body: CreateTemplateBody) =>
      template ? api.templates.update(template.id, body) : api.templates.create(body),
    onSuccess: (saved) => {
      void client.invalidateQueries({ queryKey: templateKeys.all })
      toast.show({
        tone: 'ok',
        title: template
          ? t('templates.updated', { name: saved.name })
          : t('templates.created', { name: saved.name }),
      })
    },
  })
  return (
    <TemplateEditorView
      template={template}
      save={viewAction(save, t('common.unexpectedError'))}
      onClose={onClose}
    />
  )
}

export default function AdminTemplatesPage() {
  const { t } = useT()
  const client = useQueryClient()
  const toast = useToast()
  const templates = loaded(useQuery(templatesQuery()), t('common.loadFailed'))
  const [editing, setEditing] = useState<Template | 'new' | null>(null)
  const [deleting, setDeleting] = useState<Template | null>(null)
  const remove = useMutation({
    mutationFn: (tpl: Template) => api.templates.remove(tpl.id),
    onSuccess: (_r, tpl) => {
      void client.invalidateQueries({ queryKey: templateKeys.all })
      toast.show({ tone: 'ok', title: t('templates.deleted', { name: tpl.name }) })
      setDeleting(null)
    },
  })
  return (
    <>
      <AdminTemplatesView
        templates={templates}
        onNew={() => setEditing('new')}
        onEdit={setEditing}
        onDelete={setDeleting}
      />
      {editing && (
        <TemplateEditor template={editing === 'new' ? null : editing} onClose={() => setEditing(null)} />
      )}
      <ConfirmDialog
        open={deleting !== null}
        danger
        title={t('templates.deleteTitle', { name: deleting?.name ?? '' })}
        confirmLabel={t('templates.delete')}
        pending={remove.isPending}
        error={remove.error ? errorMessage(remove.error, t('common.unexpectedError')) : null}
        onConfirm={() => deleting && remove.mutate(deleting)}
        onCancel={() => {
          setDeleting(null)
          remove.reset()
        }}
      >
        <p>{t('templates.deleteBody', { count: deleting?.podCount ?? 0 })}</p>
      </ConfirmDialog>
    </>
  )
}
