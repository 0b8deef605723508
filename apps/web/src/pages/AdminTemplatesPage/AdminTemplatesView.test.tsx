import { fireEvent, screen, waitFor, within } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import type { CreateTemplateBody, Template } from '../../api/types'
import { mockTemplate } from '../../test-helpers/entities'
import { renderView } from '../../test-helpers/render'
import { actionOf, loadedOf } from '../../test-helpers/view-state'
import { AdminTemplatesView } from './AdminTemplatesView'
import { TemplateEditorView } from './TemplateEditorView'

describe('AdminTemplatesView', () => {
  it('shows each template with its ports and use, and hands edit, delete and deploy on', () => {
    const onEdit = vi.fn()
    const onDelete = vi.fn()
    const template = mockTemplate({ podCount: 2, description: 'Runs **Ubuntu**' })
    renderView(
      <AdminTemplatesView
        templates={loadedOf([template])}
        onNew={vi.fn()}
        onEdit={onEdit}
        onDelete={onDelete}
      />,
    )
    const card = screen.getByRole('heading', { name: 'Ubuntu Base' }).closest('article')!
    expect(within(card).getByText('2 pods')).toBeTruthy()
    expect(within(card).getByText('HTTP: 8080 (Web Server)')).toBeTruthy()
    expect(within(card).getByText('TCP: 22 (SSH)')).toBeTruthy()
    expect(within(card).getByRole('link', { name: 'Deploy' }).getAttribute('href')).toBe(
      '/deploy?template=tpl-1',
    )
    fireEvent.click(within(card).getByRole('button', { name: 'Edit Ubuntu Base' }))
    expect(onEdit).toHaveBeenCalledWith(template)
    fireEvent.click(within(card).getByRole('button', { name: 'Delete Ubuntu Base?' }))
    expect(onDelete).toHaveBeenCalledWith(template)
  })

  it('offers the first template when there is none, and says why the list failed', () => {
    const onNew = vi.fn()
    const { unmount } = renderView(
      <AdminTemplatesView
        templates={loadedOf<Template[]>([])}
        onNew={onNew}
        onEdit={vi.fn()}
        onDelete={vi.fn()}
      />,
    )
    expect(screen.getByRole('heading', { name: 'No templates yet' })).toBeTruthy()
    fireEvent.click(screen.getByRole('button', { name: 'New template' }))
    expect(onNew).toHaveBeenCalled()
    unmount()
    renderView(
      <AdminTemplatesView
        templates={loadedOf<Template[]>(undefined, 'Server unavailable')}
        onNew={onNew}
        onEdit={vi.fn()}
        onDelete={vi.fn()}
      />,
    )
    expect(screen.getByRole('alert').textContent).toContain('Server unavailable')
  })
})

describe('TemplateEditorView', () => {
  it('checks the form before sending it, then sends it and closes once saved', async () => {
    const save = actionOf<CreateTemplateBody>()
    const onClose = vi.fn()
    renderView(<TemplateEditorView template={null} save={save} onClose={onClose} />)
    const dialog = screen.getByRole('dialog', { name: 'New template' })
    fireEvent.click(within(dialog).getByRole('button', { name: 'New template' }))
    expect(save.run).not.toHaveBeenCalled()
    expect(within(dialog).getByLabelText('Name').getAttribute('aria-invalid')).toBe('true')
    fireEvent.change(within(dialog).getByLabelText('Name'), { target: { value: ' Web ' } })
    fireEvent.change(within(dialog).getByLabelText('Docker image'), { target: { value: 'nginx:1.27' } })
    fireEvent.change(within(dialog).getByLabelText('HTTP ports: port 1'), { target: { value: '8080' } })
    fireEvent.change(within(dialog).getByLabelText('HTTP ports: service name 1'), {
      target: { value: 'Web' },
    })
    fireEvent.click(within(dialog).getByRole('button', { name: 'New template' }))
    expect(save.run).toHaveBeenCalledWith(
      expect.objectContaining({
        name: 'Web',
        dockerImage: 'nginx:1.27',
        httpPorts: [{ port: 8080, serviceName: 'Web' }],
      }),
    )
    await waitFor(() => expect(onClose).toHaveBeenCalled())
  })

  it('shows the server’s problems beside their fields and stays open when refused', async () => {
    const save = actionOf<CreateTemplateBody>({
      run: vi.fn(async () => false),
      error: 'Invalid request',
      fieldErrors: { name: ['A template named "Ubuntu Base" already exists'] },
    })
    const onClose = vi.fn()
    renderView(<TemplateEditorView template={mockTemplate()} save={save} onClose={onClose} />)
    const dialog = screen.getByRole('dialog', { name: 'Edit Ubuntu Base' })
    expect(within(dialog).getByText('A template named "Ubuntu Base" already exists')).toBeTruthy()
    expect(within(dialog).queryByText('Invalid request')).toBeNull()
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }))
    await waitFor(() => expect(save.run).toHaveBeenCalled())
    expect(onClose).not.toHaveBeenCalled()
  })
})
