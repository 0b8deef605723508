import { describe, expect, it } from 'vitest'
import { translate } from '../../i18n'
import { mockGpus, mockPricing, mockTemplate } from '../../test-helpers/entities'
import {
  addPort,
  applyTemplate,
  hourlyCost,
  initialForm,
  jupyterEnabled,
  setJupyter,
  toBody,
  validate,
} from './deploy-form'

const t = (key: Parameters<typeof translate>[1], vars?: Parameters<typeof translate>[2]) =>
  translate('en', key, vars)
const pricing = mockPricing()
const gpus = mockGpus()

describe('deploy form rules', () => {
  it('keeps the Jupyter box and port 8888 in step both ways', () => {
    let form = { ...initialForm(), httpPorts: [7860] }
    expect(jupyterEnabled(form)).toBe(false)
    form = setJupyter(form, true)
    expect(form.httpPorts).toEqual([7860, 8888])
    expect(jupyterEnabled(form)).toBe(true)
    form = { ...form, httpPorts: form.httpPorts.filter((p) => p !== 8888) }
    expect(jupyterEnabled(form)).toBe(false)
  })

  it('takes a template’s ports and disks, bounded by the catalog limits', () => {
    const form = applyTemplate(initialForm(), mockTemplate(), pricing.limits)
    expect(form.templateId).toBe('tpl-1')
    expect(form.httpPorts).toEqual([8080, 8888])
    expect(form.tcpPorts).toEqual([22])
    expect(form.containerDiskSize).toBe(10)
    expect(form.volumeDiskSize).toBe(150)
  })

  it('refuses port chips the server would refuse, saying why', () => {
    const form = { ...initialForm(), httpPorts: [8888], tcpPorts: [22] }
    expect(addPort(form, 'http', 'abc', t)).toEqual({ error: '"abc" is not a port number' })
    expect(addPort(form, 'http', '70000', t)).toEqual({ error: 'Port 70000 is outside 1–65535' })
    expect(addPort(form, 'tcp', '25', t)).toMatchObject({ error: expect.stringContaining('privileged') })
    expect(addPort(form, 'tcp', '8888', t)).toEqual({ error: 'Port 8888 is already listed' })
    expect(addPort(form, 'http', ' 7860 ', t)).toEqual({ form: { ...form, httpPorts: [8888, 7860] } })
  })

  it('prices a configuration from the catalog: GPU × count + container disk while running, volume always', () => {
    const form = { ...initialForm(), gpu: 'rtx-4050', gpuCount: 2, containerDiskSize: 10, volumeDiskSize: 20 }
    const cost = hourlyCost(form, pricing, gpus)
    expect(cost?.gpu).toBeCloseTo(5)
    expect(cost?.container).toBeCloseTo(0.5)
    expect(cost?.volume).toBeCloseTo(2)
    expect(cost?.running).toBeCloseTo(7.5)
    expect(cost?.stopped).toBeCloseTo(2)
    expect(hourlyCost({ ...form, gpu: 'cpu' }, pricing, gpus)?.gpu).toBe(0)
  })

  it('lists every problem at once', () => {
    const form = {
      ...initialForm(),
      source: 'docker' as const,
      dockerImage: 'Not An Image',
      gpu: 'rtx-4090',
      httpPorts: [],
      env: [{ key: '1BAD', value: '' }],
    }
    const errors = validate(form, pricing, gpus, t)
    expect(Object.keys(errors).sort()).toEqual(['dockerImage', 'env', 'gpu', 'name', 'ports'])
    expect(errors.gpu).toEqual(['RTX 4090 is not available at the moment.'])
  })

  it('sends the API body the server expects', () => {
    const form = {
      ...applyTemplate(initialForm(), mockTemplate(), pricing.limits),
      name: ' my pod ',
      gpu: 'rtx-4050',
      env: [{ key: 'A', value: '1' }],
      assignTo: 'bob@example.com',
    }
    expect(toBody(form)).toEqual({
      name: 'my pod',
      deploymentType: 'template',
      template: 'tpl-1',
      gpu: 'rtx-4050',
      gpuCount: 1,
      containerDiskSize: 10,
      volumeDiskSize: 150,
      ports: [8080, 8888],
      tcpPorts: [22],
      enableJupyter: true,
      env: { A: '1' },
      assignToUser: 'bob@example.com',
    })
    // An idle timeout is sent only when one is typed (else the server applies the default).
    expect(toBody({ ...form, idleTimeout: '45' }).idleTimeoutMinutes).toBe(45)
  })

  it('mounts an existing volume at a chosen path, or asks for a new one', () => {
    const form = { ...initialForm(), name: 'p', gpu: 'cpu', templateId: 't1' }
    expect(toBody(form)).not.toHaveProperty('volumeId')
    expect(toBody(form)).not.toHaveProperty('mountPath')
    expect(toBody({ ...form, volumeId: 'a1b2c3d4e5f60718', mountPath: ' /data ' })).toMatchObject({
      volumeId: 'a1b2c3d4e5f60718',
      mountPath: '/data',
    })
  })
})
