import type { V1Ingress, V1Service } from '@kubernetes/client-node'
import { ApiException } from '@kubernetes/client-node'
import { describe, expect, it } from 'vitest'
import { logReason, usageFromMetrics } from '../../src/runtime/kubernetes/cluster-reads.js'
import { type ConvergeApi, converge } from '../../src/runtime/kubernetes/converge.js'
import { EventThrottle } from '../../src/runtime/kubernetes/event-throttle.js'
import { KubeApiError } from '../../src/runtime/kubernetes/kube-client.js'
import {
  keepAllocated,
  rejectedOr,
  sameIngress,
  sameService,
} from '../../src/runtime/kubernetes/object-compare.js'
import type { KPod } from '../../src/runtime/kubernetes/observe.js'
import { scanOrphans } from '../../src/runtime/kubernetes/orphan-scan.js'
import { RuntimeRejectedError, RuntimeWaitError } from '../../src/runtime/pod-runtime.js'

/** The pure parts of the Kubernetes adapter, without an API server. */

const ID = '0123456789abcdef'

describe('EventThrottle', () => {
  const event = { podId: ID, reason: 'BackOff' }

  it('remembers history listed before the first sync without reporting it', () => {
    const t = new EventThrottle()
    expect(t.admit('u1', 3, event, false, 0)).toBe('ignore')
    // The same event delivered again after the sync, count unchanged: still history.
    expect(t.admit('u1', 3, event, true, 10)).toBe('ignore')
    expect(t.admit('u1', 4, event, true, 20)).toBe('report')
  })

  it('reports a repeating event at most once a minute per pod and reason', () => {
    const t = new EventThrottle()
    expect(t.admit('u1', 1, event, true, 0)).toBe('report')
    expect(t.admit('u1', 2, event, true, 5_000)).toBe('suppress')
    expect(t.admit('u1', 3, event, true, 59_999)).toBe('suppress')
    expect(t.admit('u1', 4, event, true, 60_000)).toBe('report')
    // A new Event (new uid) is always reported, even for the same reason.
    expect(t.admit('u2', 1, event, true, 60_001)).toBe('report')
  })

  it('ignores events that are not about a pod, and forgets deleted ones', () => {
    const t = new EventThrottle()
    expect(t.admit('u1', 1, null, true, 0)).toBe('ignore')
    t.admit('u2', 5, event, true, 0)
    t.forget('u2')
    expect(t.admit('u2', 5, event, true, 120_000)).toBe('report')
  })
})

describe('object comparisons', () => {
  const owned = (uid: string) => ({ ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'p', uid }] })
  const service = (extra: Partial<V1Service['spec']> = {}, uid = 'a'): V1Service => ({
    metadata: { name: `np-${ID}`, labels: { x: '1' }, ...owned(uid) },
    spec: {
      type: 'ClusterIP',
      selector: { 'neuropod.io/pod-id': ID },
      ports: [{ name: 'p8888', port: 8888, targetPort: 8888 as never, protocol: 'TCP' }],
      ...extra,
    },
  })

  it('a Service is the same whatever the cluster allocated, different when ports or owner change', () => {
    const current = service({ clusterIP: '10.96.0.5', clusterIPs: ['10.96.0.5'] })
    expect(sameService(service(), current)).toBe(true)
    expect(sameService(service({}, 'b'), current)).toBe(false)
    expect(
      sameService(
        service({ ports: [{ name: 'p8888', port: 8888, targetPort: 9999 as never, protocol: 'TCP' }] }),
        current,
      ),
    ).toBe(false)
  })

  it('a replaced Service keeps its cluster IP and node ports', () => {
    const current = service({
      type: 'NodePort',
      clusterIP: '10.96.0.5',
      clusterIPs: ['10.96.0.5'],
      ports: [{ name: 'p22', port: 22, nodePort: 30007 }],
    })
    const body = keepAllocated(service({ type: 'NodePort', ports: [{ name: 'p22', port: 22 }] }), current)
    expect(body.spec).toMatchObject({ clusterIP: '10.96.0.5', ports: [{ port: 22, nodePort: 30007 }] })
  })

  it("an Ingress differs only in our annotations, not the controller's", () => {
    const ingress = (annotations: Record<string, string>): V1Ingress => ({
      metadata: { name: `np-${ID}-8888`, annotations, ...owned('a') },
      spec: { rules: [{ host: 'x.pods.example.org' }] },
    })
    const ours = { 'nginx.ingress.kubernetes.io/auth-url': 'http://auth', 'neuropod.io/access': 'private' }
    expect(sameIngress(ingress(ours), ingress({ ...ours, 'kubectl.kubernetes.io/last-applied': '{}' }))).toBe(
      true,
    )
    const dropped = { 'neuropod.io/access': 'private' }
    expect(sameIngress(ingress(ours), ingress(dropped))).toBe(false)
  })

  it('classifies refusals: 422 can never succeed, a quota refusal waits, the rest is retried', () => {
    const api = (code: number, body: object) => new ApiException(code, 'x', JSON.stringify(body), {})
    expect(rejectedOr(api(422, { message: 'bad', reason: 'Invalid' }))).toBeInstanceOf(RuntimeRejectedError)
    expect(rejectedOr(api(403, { message: 'exceeded quota: gpus', reason: 'Forbidden' }))).toBeInstanceOf(
      RuntimeWaitError,
    )
    const other = rejectedOr(api(500, { message: 'boom' }))
    expect(other).toBeInstanceOf(KubeApiError)
    expect((other as KubeApiError).code).toBe(500)
  })
})

describe('converge', () => {
  type Thing = { metadata: { name: string; resourceVersion?: string }; value: number }
  const status = (code: number, reason: string) => new KubeApiError(`HTTP ${code}`, code, reason)

  /** A scripted API: answers each call in turn and records what was asked. */
  function scripted(answers: Partial<Record<'create' | 'read' | 'replace', (Thing | Error)[]>>) {
    const calls: string[] = []
    const next = (verb: 'create' | 'read' | 'replace') => {
      calls.push(verb)
      const answer = answers[verb]?.shift()
      if (!answer) throw new Error(`unexpected ${verb}`)
      if (answer instanceof Error) return Promise.reject(answer)
      return Promise.resolve(answer)
    }
    const api: ConvergeApi<Thing> = {
      kind: 'Thing',
      same: (a, b) => a.value === b.value,
      create: () => next('create'),
      read: () => next('read'),
      replace: (_name, body) => {
        calls.push(`rv=${body.metadata.resourceVersion}`)
        return next('replace')
      },
    }
    return { api, calls }
  }
  const desired: Thing = { metadata: { name: 't' }, value: 2 }

  it('does nothing when the cached copy is already right', async () => {
    const { api, calls } = scripted({})
    await converge(desired, { metadata: { name: 't', resourceVersion: '5' }, value: 2 }, api)
    expect(calls).toEqual([])
  })

  it('creates when missing; a 409 AlreadyExists reads the real one and replaces it with its version', async () => {
    const { api, calls } = scripted({
      create: [status(409, 'AlreadyExists')],
      read: [{ metadata: { name: 't', resourceVersion: '9' }, value: 1 }],
      replace: [desired],
    })
    await converge(desired, undefined, api)
    expect(calls).toEqual(['create', 'read', 'rv=9', 'replace'])
  })

  it('a stale cache (409 Conflict on replace) reads again; a 404 creates', async () => {
    const { api, calls } = scripted({
      replace: [status(409, 'Conflict')],
      read: [{ metadata: { name: 't', resourceVersion: '12' }, value: 1 }],
    })
    api.replace = (_n, body) => {
      calls.push(`rv=${body.metadata.resourceVersion}`)
      return calls.length > 2
        ? Promise.reject(status(404, 'NotFound'))
        : Promise.reject(status(409, 'Conflict'))
    }
    api.create = () => {
      calls.push('create')
      return Promise.resolve(desired)
    }
    await converge(desired, { metadata: { name: 't', resourceVersion: '3' }, value: 1 }, api)
    expect(calls).toEqual(['rv=3', 'read', 'rv=12', 'create'])
  })

  it('gives up after a few rounds when the object keeps changing', async () => {
    const conflict = () => status(409, 'Conflict')
    const stale = { metadata: { name: 't', resourceVersion: '1' }, value: 1 }
    const { api } = scripted({
      replace: [conflict(), conflict(), conflict(), conflict()],
      read: [stale, stale, stale, stale],
    })
    await expect(converge(desired, stale, api)).rejects.toThrow(/keeps changing/)
  })
})

describe('scanOrphans', () => {
  const obj = (name: string, labels: Record<string, string>, createdSecondsAgo: number) => ({
    metadata: {
      name,
      labels,
      creationTimestamp: new Date(1_000_000 - createdSecondsAgo * 1000).toISOString(),
    },
  })

  it('reports objects of unknown pods, not known pods, shared objects or young objects', () => {
    const stray = 'fedcba9876543210'
    const { reports, podIds } = scanOrphans(
      [
        ['Pod', obj(`np-${ID}`, { 'neuropod.io/pod-id': ID }, 600)],
        ['Pod', obj(`np-${stray}`, { 'neuropod.io/pod-id': stray }, 600)],
        ['PersistentVolumeClaim', obj(`np-${stray}-data`, {}, 600)],
        ['Service', obj('neuropod-platform', { 'neuropod.io/component': 'platform' }, 600)],
        ['Secret', obj('np-aaaaaaaaaaaaaaaa-env', {}, 5)],
        ['Service', obj('hand-made', { 'neuropod.io/pod-id': 'not-an-id' }, 600)],
      ],
      new Set([ID]),
      1_000_000,
      60_000,
    )
    expect(reports.map((r) => `${r.kind} ${r.name}`)).toEqual([
      `Pod np-${stray}`,
      `PersistentVolumeClaim np-${stray}-data`,
      'Service hand-made',
    ])
    // Only real pod ids can be removed with ensureDeleted; the hand-made one is only reported.
    expect([...podIds]).toEqual([stray])
  })
})

describe('reads', () => {
  it('turns metrics into usage against the container limits', () => {
    const pod: KPod = {
      metadata: { name: `np-${ID}` },
      spec: { containers: [{ name: 'main', resources: { limits: { cpu: '2', memory: '4Gi' } } }] },
    }
    const usage = usageFromMetrics(pod, {
      containers: [{ name: 'main', usage: { cpu: '500m', memory: '1Gi' } }],
    })
    expect(usage).toMatchObject({
      available: true,
      cpuUsage: 25,
      memoryUsedBytes: 1024 ** 3,
      memoryLimitBytes: 4 * 1024 ** 3,
      gpuUsage: null,
    })
  })

  it('says why logs are unavailable in plain words', () => {
    expect(logReason(new KubeApiError('read logs: not found (HTTP 404)', 404, 'NotFound'))).toBe(
      'The pod has no container on the cluster',
    )
    expect(
      logReason(
        new KubeApiError(
          'read logs: container "main" in pod "np-x" is waiting to start: ContainerCreating (HTTP 400)',
          400,
          'BadRequest',
        ),
      ),
    ).toBe('The container has not started yet (ContainerCreating)')
  })
})
