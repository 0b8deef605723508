import { fireEvent, screen } from '@testing-library/react'
import { useState } from 'react'
import { describe, expect, it, vi } from 'vitest'
import type { IdleSettings } from '../../api/types'
import { renderView } from '../../test-helpers/render'
import { AdminIdleView, type IdleSettingsValues, idleSettingsBody, idleSettingsValues } from './AdminIdleView'

const settings: IdleSettings = {
  defaultTimeoutMinutes: 60,
  maxTimeoutMinutes: null,
  allowNever: true,
  warningLeadMinutes: 10,
  runwayWarningMinutes: 60,
  updatedAt: '2026-01-02T12:00:00.000Z',
}

function Harness(props: { onSave: (values: IdleSettingsValues) => void; errors?: Record<string, string[]> }) {
  const [values, setValues] = useState(() => idleSettingsValues(settings))
  return (
    <AdminIdleView
      updatedAt={settings.updatedAt}
      values={values}
      onChange={setValues}
      onSave={() => props.onSave(values)}
      saving={false}
      errors={props.errors ?? {}}
    />
  )
}

describe('AdminIdleView', () => {
  it('shows the platform idle settings and saves what the admin changed', () => {
    const onSave = vi.fn()
    renderView(<Harness onSave={onSave} />)
    const value = (label: string) => (screen.getByLabelText(label) as HTMLInputElement).value
    expect(value('Default idle timeout (minutes)')).toBe('60')
    expect(value('Maximum idle timeout (minutes)')).toBe('')
    expect(value('Warning before an idle stop (minutes)')).toBe('10')
    expect(value('Low balance warning (minutes of running pods)')).toBe('60')
    expect((screen.getByLabelText('Allow pods that never stop when idle') as HTMLInputElement).checked).toBe(
      true,
    )

    fireEvent.change(screen.getByLabelText('Default idle timeout (minutes)'), { target: { value: '30' } })
    fireEvent.change(screen.getByLabelText('Maximum idle timeout (minutes)'), { target: { value: '240' } })
    fireEvent.click(screen.getByLabelText('Allow pods that never stop when idle'))
    fireEvent.change(screen.getByLabelText('Warning before an idle stop (minutes)'), {
      target: { value: '5' },
    })
    fireEvent.change(screen.getByLabelText('Low balance warning (minutes of running pods)'), {
      target: { value: '120' },
    })
    fireEvent.click(screen.getByRole('button', { name: 'Save' }))
    expect(onSave).toHaveBeenCalledTimes(1)
    expect(idleSettingsBody(onSave.mock.calls[0]![0])).toEqual({
      defaultTimeoutMinutes: 30,
      maxTimeoutMinutes: 240,
      allowNever: false,
      warningLeadMinutes: 5,
      runwayWarningMinutes: 120,
    })
  })

  it('an empty maximum means no maximum; the server’s field errors show next to the field', () => {
    expect(
      idleSettingsBody({ ...idleSettingsValues(settings), maxTimeout: ' ' }).maxTimeoutMinutes,
    ).toBeNull()
    renderView(
      <Harness onSave={vi.fn()} errors={{ defaultTimeoutMinutes: ['must be at most the maximum'] }} />,
    )
    const input = screen.getByLabelText('Default idle timeout (minutes)')
    expect(input.getAttribute('aria-invalid')).toBe('true')
    expect(screen.getByText('must be at most the maximum')).toBeTruthy()
  })

  it('is in Spanish too', () => {
    renderView(<Harness onSave={vi.fn()} />, { lang: 'es' })
    expect(screen.getByRole('heading', { name: 'Parada automática' })).toBeTruthy()
    expect(screen.getByLabelText('Tiempo de inactividad por defecto (minutos)')).toBeTruthy()
    expect(screen.getByRole('button', { name: 'Guardar' })).toBeTruthy()
  })
})
