import { describe, expect, it } from 'vitest'
import { LineSplitter, parseLogText } from '../../src/runtime/kubernetes/logs.js'
import {
  computeGpuStock,
  type KEvent,
  type KNode,
  type KPod,
  observePod,
  runtimeEventFrom,
  unschedulableReason,
} from '../../src/runtime/kubernetes/observe.js'
import { DEFAULT_PROFILES } from '../../src/runtime/kubernetes/profiles.js'

const ID = '0123456789abcdef'
const ctx = { tcpHost: null }

function pod(status: KPod['status'], extra: Partial<KPod> = {}): KPod {
  return {
    metadata: { name: `np-${ID}`, ...extra.metadata },
    spec: { nodeName: 'node-1', containers: [{ name: 'main', image: 'x' }], ...extra.spec },
    status,
  }
}

const waiting = (reason: string, message = '') => ({
  phase: 'Pending',
  containerStatuses: [
    {
      name: 'main',
      image: 'x',
      imageID: '',
      ready: false,
      restartCount: 0,
      state: { waiting: { reason, message } },
    },
  ],
})

describe('observePod', () => {
  it.each([
    ['no pod', undefined, { phase: 'absent', reason: null }],
    [
      'a pod being deleted',
      pod({ phase: 'Running' }, { metadata: { deletionTimestamp: '2026-01-01T00:00:00Z' } }),
      { phase: 'absent' },
    ],
    [
      'an unschedulable pod',
      pod(
        {
          phase: 'Pending',
          conditions: [
            {
              type: 'PodScheduled',
              status: 'False',
              reason: 'Unschedulable',
              message: '0/3 nodes are available: 3 Insufficient nvidia.com/gpu.',
            },
          ],
        },
        { spec: { nodeName: undefined, containers: [] } },
      ),
      {
        phase: 'pending',
        reason: 'Waiting for a free GPU: 0/3 nodes are available: 3 Insufficient nvidia.com/gpu.',
      },
    ],
    [
      'a pod not scheduled yet',
      pod({ phase: 'Pending' }, { spec: { nodeName: undefined, containers: [] } }),
      { phase: 'creating', reason: 'Waiting for the scheduler' },
    ],
    [
      'a container being created',
      pod(waiting('ContainerCreating')),
      { phase: 'creating', reason: 'Pulling the image and creating the container' },
    ],
    [
      'a first pull failure',
      pod(waiting('ErrImagePull', 'i/o timeout')),
      { phase: 'creating', reason: 'Pulling the image failed, retrying: i/o timeout' },
    ],
    [
      'a pull in back-off',
      pod(waiting('ImagePullBackOff', 'Back-off pulling image "x"')),
      { phase: 'failed', reason: 'Image pull failed: Back-off pulling image "x"' },
    ],
    [
      'an invalid image name',
      pod(waiting('InvalidImageName', "couldn't parse image")),
      { phase: 'failed', reason: "Invalid image name: couldn't parse image" },
    ],
    [
      'a configuration error',
      pod(waiting('CreateContainerConfigError', 'secret "x" not found')),
      { phase: 'failed', reason: 'Container configuration error: secret "x" not found' },
    ],
    [
      'a crash loop',
      pod({
        phase: 'Running',
        containerStatuses: [
          {
            name: 'main',
            image: 'x',
            imageID: '',
            ready: false,
            restartCount: 4,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } },
          },
        ],
      }),
      { phase: 'exited', reason: 'CrashLoopBackOff, OOMKilled', exitCode: 137 },
    ],
    [
      'an OOM kill',
      pod({
        phase: 'Failed',
        containerStatuses: [
          {
            name: 'main',
            image: 'x',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { terminated: { exitCode: 137, reason: 'OOMKilled' } },
          },
        ],
      }),
      { phase: 'exited', reason: 'OOMKilled', exitCode: 137 },
    ],
    [
      'a clean exit',
      pod({
        phase: 'Succeeded',
        containerStatuses: [
          {
            name: 'main',
            image: 'x',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { terminated: { exitCode: 0, reason: 'Completed' } },
          },
        ],
      }),
      { phase: 'exited', reason: 'Completed', exitCode: 0 },
    ],
    [
      'an eviction',
      pod({
        phase: 'Failed',
        reason: 'Evicted',
        message: 'The node was low on resource: ephemeral-storage.',
      }),
      {
        phase: 'exited',
        reason: 'Evicted: The node was low on resource: ephemeral-storage.',
        exitCode: null,
      },
    ],
    [
      'a lost node',
      pod({ phase: 'Unknown' }),
      { phase: 'pending', reason: 'The node running the pod does not respond' },
    ],
  ] as [string, KPod | undefined, object][])('maps %s', (_name, input, expected) => {
    expect(observePod(ID, input, undefined, ctx)).toMatchObject({ podId: ID, ...expected })
  })

  it('reports a running container with its start time and TCP endpoints', () => {
    const running = pod({
      phase: 'Running',
      hostIP: '10.0.0.7',
      containerStatuses: [
        {
          name: 'main',
          image: 'x',
          imageID: '',
          ready: true,
          restartCount: 0,
          state: { running: { startedAt: '2026-01-01T10:00:00Z' } },
        },
      ],
    })
    const nodePort = { spec: { type: 'NodePort', ports: [{ port: 22, nodePort: 30022 }] } }
    expect(observePod(ID, running, nodePort, ctx)).toEqual({
      podId: ID,
      phase: 'running',
      reason: null,
      exitCode: null,
      startedAt: new Date('2026-01-01T10:00:00Z'),
      tcpEndpoints: [{ port: 22, host: '10.0.0.7', hostPort: 30022 }],
    })
    expect(observePod(ID, running, nodePort, { tcpHost: 'gpu.example.org' }).tcpEndpoints).toEqual([
      { port: 22, host: 'gpu.example.org', hostPort: 30022 },
    ])
    const lb = { spec: { type: 'LoadBalancer', ports: [{ port: 22, nodePort: 31000 }] } }
    expect(observePod(ID, running, lb, ctx).tcpEndpoints).toEqual([])
    expect(
      observePod(ID, running, { ...lb, status: { loadBalancer: { ingress: [{ ip: '203.0.113.9' }] } } }, ctx)
        .tcpEndpoints,
    ).toEqual([{ port: 22, host: '203.0.113.9', hostPort: 22 }])
  })

  it('uses the pull error the events reported over the back-off message', () => {
    const o = observePod(ID, pod(waiting('ImagePullBackOff', 'Back-off pulling image "x"')), undefined, {
      tcpHost: null,
      lastPullError: 'Failed to pull image "x": not found',
    })
    expect(o.reason).toBe('Image pull failed: Failed to pull image "x": not found')
  })

  it('leads the scheduler message with what it means', () => {
    expect(
      unschedulableReason("0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector."),
    ).toMatch(/^Waiting for a node with this GPU type: /)
    expect(unschedulableReason('0/1 nodes are available: 1 Insufficient memory.')).toMatch(
      /^Waiting for CPU, memory or disk/,
    )
    expect(unschedulableReason('')).toBe('Waiting to be scheduled: no node can run it')
  })
})

describe('runtimeEventFrom', () => {
  const event = (kind: string, name: string, reason: string, type = 'Normal'): KEvent => ({
    metadata: { name: `${name}.1`, uid: 'u' },
    involvedObject: { kind, name },
    reason,
    type,
    message: `${reason} happened`,
  })

  it('turns our pods and volumes events into progress, and ignores the rest', () => {
    expect(runtimeEventFrom(event('Pod', `np-${ID}`, 'Pulled'))).toEqual({
      podId: ID,
      type: 'normal',
      reason: 'Pulled',
      message: 'Pulled happened',
      progress: 60,
    })
    expect(
      runtimeEventFrom(event('PersistentVolumeClaim', `np-${ID}-data`, 'ProvisioningSucceeded'))?.progress,
    ).toBe(15)
    expect(runtimeEventFrom(event('Pod', `np-${ID}`, 'FailedScheduling', 'Warning'))).toMatchObject({
      type: 'warning',
      progress: null,
    })
    expect(runtimeEventFrom(event('Pod', 'someone-else', 'Started'))).toBeNull()
    expect(runtimeEventFrom(event('Ingress', `np-${ID}-8888`, 'Sync'))).toBeNull()
  })
})

describe('computeGpuStock', () => {
  const node = (
    name: string,
    labels: Record<string, string>,
    gpus: string,
    extra: Partial<KNode> = {},
  ): KNode => ({
    metadata: { name, labels },
    spec: { ...extra.spec },
    status: {
      allocatable: { 'nvidia.com/gpu': gpus },
      conditions: [{ type: 'Ready', status: 'True' }],
      ...extra.status,
    },
  })
  const using = (nodeName: string, gpus: number, phase = 'Running'): KPod => ({
    metadata: { name: `p-${Math.random()}` },
    spec: {
      nodeName,
      containers: [{ name: 'c', resources: { limits: { 'nvidia.com/gpu': String(gpus) } } }],
    },
    status: { phase },
  })

  it('subtracts what pods request from what ready, schedulable nodes offer, per type', () => {
    const nodes = [
      node('a', { 'neuropod.io/gpu-type': 'rtx-4090' }, '2'),
      node('b', { 'neuropod.io/gpu-type': 'rtx-4090' }, '2'),
      node('c', { 'neuropod.io/gpu-type': 'rtx-4090' }, '8', { spec: { unschedulable: true } }),
      node('d', { 'neuropod.io/gpu-type': 'l4' }, '1'),
    ]
    const pods = [using('a', 2), using('b', 1), using('b', 1, 'Succeeded'), using('d', 1)]
    expect(computeGpuStock(nodes, pods, DEFAULT_PROFILES)).toEqual([
      { gpuType: 'l4', total: 1, free: 0, source: 'kubernetes' },
      { gpuType: 'rtx-4090', total: 4, free: 1, source: 'kubernetes' },
    ])
  })
})

describe('log lines', () => {
  it('parses timestamps and keeps partial lines until they complete', () => {
    expect(parseLogText('2026-01-01T10:00:00.123456789Z hello\nno stamp\n')).toEqual([
      { timestamp: '2026-01-01T10:00:00.123Z', stream: 'stdout', message: 'hello' },
      { timestamp: null, stream: 'stdout', message: 'no stamp' },
    ])
    const splitter = new LineSplitter()
    expect(splitter.push('2026-01-01T10:00:00Z par')).toEqual([])
    expect(splitter.push('tial\n2026-01-01T10:00:01Z next')).toEqual([
      { timestamp: '2026-01-01T10:00:00.000Z', stream: 'stdout', message: 'partial' },
    ])
    expect(splitter.flush()).toEqual([
      { timestamp: '2026-01-01T10:00:01.000Z', stream: 'stdout', message: 'next' },
    ])
  })
})
