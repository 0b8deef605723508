import { describe, expect, it } from 'vitest'
import type { PodRow, VolumeRow } from '../../db/schema.js'
import { planAllocation } from '../gpu-allocator.js'
import { reconcileStep } from './desired-state.js'
import { gpuWaitReason } from './placement.js'
import { podSpec } from './pod-spec.js'

const inventory = [
  { deviceId: 'GPU-a', gpuType: 'rtx-4090' },
  { deviceId: 'GPU-b', gpuType: 'rtx-4090' },
  { deviceId: 'GPU-c', gpuType: 'a100' },
]

describe('GPU placement decisions', () => {
  it('takes the first free devices of the type, in inventory order', () => {
    expect(planAllocation(inventory, 'rtx-4090', 1, [], new Set())).toEqual({
      kind: 'allocate',
      deviceIds: ['GPU-a'],
    })
    expect(planAllocation(inventory, 'rtx-4090', 1, [], new Set(['GPU-a']))).toEqual({
      kind: 'allocate',
      deviceIds: ['GPU-b'],
    })
    expect(planAllocation(inventory, 'rtx-4090', 2, [], new Set())).toMatchObject({
      deviceIds: ['GPU-a', 'GPU-b'],
    })
  })

  it('keeps a complete allocation and replaces a stale or partial one', () => {
    expect(planAllocation(inventory, 'rtx-4090', 1, ['GPU-b'], new Set(['GPU-a']))).toEqual({
      kind: 'keep',
      deviceIds: ['GPU-b'],
    })
    // The device left the inventory (or the count changed): start over.
    expect(planAllocation(inventory, 'a100', 1, ['GPU-gone'], new Set())).toEqual({
      kind: 'allocate',
      deviceIds: ['GPU-c'],
    })
    expect(planAllocation(inventory, 'rtx-4090', 2, ['GPU-b'], new Set())).toMatchObject({ kind: 'allocate' })
  })

  it('waits when too few devices of the type are free, and says how many there are', () => {
    expect(planAllocation(inventory, 'rtx-4090', 2, [], new Set(['GPU-a']))).toEqual({
      kind: 'wait',
      free: 1,
      total: 2,
    })
    expect(planAllocation(inventory, 'h100', 1, [], new Set())).toEqual({ kind: 'wait', free: 0, total: 0 })
    expect(gpuWaitReason({ free: 1, total: 2 }, 'RTX 4090', 2)).toBe(
      'Waiting for a free RTX 4090: 1 of 2 free, 2 needed',
    )
    expect(gpuWaitReason({ free: 0, total: 0 }, 'H100', 1)).toBe(
      'Waiting for a GPU: this machine has no H100',
    )
    expect(gpuWaitReason({ free: 0, total: 2, position: 3 }, 'RTX 4090', 1)).toBe(
      'Waiting for a free RTX 4090 (queued: position 3): 0 of 2 free, 2 needed'.replace(
        '2 needed',
        '1 needed',
      ),
    )
  })

  it('leaves the devices that pods queued earlier need to them (oldest first)', () => {
    // One device free, and a pod ahead in the queue needs it: wait, even though it is free.
    expect(planAllocation(inventory, 'rtx-4090', 1, [], new Set(['GPU-a']), { pods: 1, gpus: 1 })).toEqual({
      kind: 'wait',
      free: 1,
      total: 2,
    })
    // Two free, the pod ahead needs one: the second is this pod's.
    expect(planAllocation(inventory, 'rtx-4090', 1, [], new Set(), { pods: 1, gpus: 1 })).toMatchObject({
      kind: 'allocate',
    })
  })
})

describe('what reconciling a pod means', () => {
  const state = (status: PodRow['status'], desired: PodRow['desired_state'], compute = false) => ({
    status,
    desired_state: desired,
    compute_active: compute,
  })

  it('places pods that should run and have no running container', () => {
    expect(reconcileStep(state('pending', 'running'))).toBe('place')
    expect(reconcileStep(state('creating', 'running'))).toBe('place')
    expect(reconcileStep(state('creating', 'running', true))).toBe('sync-access')
    expect(reconcileStep(state('running', 'running', true))).toBe('sync-access')
    expect(reconcileStep(state('error', 'running'))).toBe('none')
  })

  it('stops and removes until the recorded state matches', () => {
    expect(reconcileStep(state('running', 'stopped', true))).toBe('stop')
    expect(reconcileStep(state('stopping', 'stopped'))).toBe('stop')
    expect(reconcileStep(state('stopped', 'stopped'))).toBe('none')
    expect(reconcileStep(state('deleting', 'deleted'))).toBe('remove')
    expect(reconcileStep(state('deleted', 'deleted'))).toBe('none')
  })
})

describe('the spec a runtime receives', () => {
  const row = {
    id: 'p1',
    slug: 's1',
    user_id: 'u1',
    docker_image: 'img',
    env: { A: '1' },
    start_command: null,
    volume_path: '/workspace',
    volume_disk_size: 10,
    container_disk_size: 5,
    gpu: 'rtx-4090',
    gpu_count: 1,
    http_services: [
      { port: 8888, access: 'private' },
      { port: 8080, access: 'public' },
    ],
    tcp_services: [{ port: 22 }],
  } as unknown as PodRow
  const volume = { id: 'v1', runtime_name: 'neuropod-vol-v1', user_id: 'u1', size_gb: 20 } as VolumeRow

  it("mounts the pod's volume under its recorded runtime name", () => {
    expect(podSpec(row, volume, null, null).volume).toEqual({
      volumeId: 'v1',
      name: 'neuropod-vol-v1',
      userId: 'u1',
      sizeGb: 20,
    })
  })

  it("carries NeuroPod's variables, the Jupyter token and the placed devices", () => {
    const spec = podSpec(row, volume, ['GPU-a'], 'tok')
    expect(spec.env).toEqual({
      A: '1',
      NEUROPOD_POD_ID: 'p1',
      NEUROPOD_WORKSPACE: '/workspace',
      NEUROPOD_GPU: 'rtx-4090',
      JUPYTER_TOKEN: 'tok',
      JUPYTER_PORT: '8888',
    })
    expect(spec).toMatchObject({
      httpPorts: [8888, 8080],
      publicHttpPorts: [8080],
      tcpPorts: [22],
      gpu: { type: 'rtx-4090', count: 1, deviceIds: ['GPU-a'] },
      jupyter: { token: 'tok', port: 8888 },
    })
  })

  it('asks for no GPU for CPU pods and no Jupyter without a token', () => {
    const spec = podSpec({ ...row, gpu: 'cpu', gpu_count: 0 } as PodRow, volume, null, null)
    expect(spec.gpu).toBeNull()
    expect(spec.jupyter).toBeNull()
    expect(spec.env.JUPYTER_TOKEN).toBeUndefined()
  })
})
