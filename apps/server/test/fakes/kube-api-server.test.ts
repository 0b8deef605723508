import { ApiException, CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FakeKubeApiServer } from './kube-api-server.js'

/** The fake's own semantics, through the real client: a fake that lies makes every test lie. */
describe('fake Kubernetes API server', () => {
  let fake: FakeKubeApiServer
  let core: CoreV1Api
  let kc: KubeConfig
  const ns = 'neuropod'
  const cm = (name: string, labels: Record<string, string> = {}) => ({
    metadata: { name, labels },
    type: 'Opaque',
    stringData: { a: 'b' },
  })

  beforeAll(async () => {
    fake = await new FakeKubeApiServer({ kubelet: 'manual' }).start()
    kc = new KubeConfig()
    kc.loadFromFile(fake.kubeconfigPath)
    core = kc.makeApiClient(CoreV1Api)
  })
  afterAll(() => fake?.close())

  const code = async (p: Promise<unknown>) => {
    try {
      await p
      return 200
    } catch (error) {
      if (error instanceof ApiException) return error.code
      throw error
    }
  }

  it('answers create, conflicts, get and delete like the API server', async () => {
    const created = await core.createNamespacedSecret({ namespace: ns, body: cm('one') })
    expect(created.metadata?.uid).toBeTruthy()
    expect(created.data).toEqual({ a: Buffer.from('b').toString('base64') })
    expect(await code(core.createNamespacedSecret({ namespace: ns, body: cm('one') }))).toBe(409)
    expect(await code(core.readNamespacedSecret({ name: 'nope', namespace: ns }))).toBe(404)
    const stale = { ...created, metadata: { ...created.metadata, resourceVersion: '1' } }
    expect(await code(core.replaceNamespacedSecret({ name: 'one', namespace: ns, body: stale }))).toBe(409)
    expect(await code(core.replaceNamespacedSecret({ name: 'one', namespace: ns, body: created }))).toBe(200)
    expect(await code(core.createNamespacedSecret({ namespace: 'missing', body: cm('x') }))).toBe(404)
    expect(await code(core.deleteNamespacedSecret({ name: 'one', namespace: ns }))).toBe(200)
    expect(await code(core.deleteNamespacedSecret({ name: 'one', namespace: ns }))).toBe(404)
  })

  it('rejects invalid objects with 422 and remembers why', async () => {
    const before = fake.validationErrors.length
    const status = await code(
      core.createNamespacedService({
        namespace: ns,
        body: { metadata: { name: '1-bad' }, spec: { ports: [{ port: 80 }, { port: 81 }] } },
      }),
    )
    expect(status).toBe(422)
    expect(fake.validationErrors.slice(before).join()).toMatch(
      /DNS-1035.*required when there are several ports/,
    )
  })

  it('filters lists by label selector', async () => {
    await core.createNamespacedSecret({ namespace: ns, body: cm('l1', { tier: 'a', x: '1' }) })
    await core.createNamespacedSecret({ namespace: ns, body: cm('l2', { tier: 'b' }) })
    const names = async (labelSelector: string) =>
      (await core.listNamespacedSecret({ namespace: ns, labelSelector })).items
        .map((i) => i.metadata?.name)
        .sort()
    expect(await names('tier=a')).toEqual(['l1'])
    expect(await names('tier!=a,tier')).toEqual(['l2'])
    expect(await names('tier in (a,b)')).toEqual(['l1', 'l2'])
    expect(await names('x,!missing')).toEqual(['l1'])
  })

  it('garbage-collects dependents when their owner goes', async () => {
    const owner = await core.createNamespacedSecret({ namespace: ns, body: cm('owner') })
    await core.createNamespacedSecret({
      namespace: ns,
      body: {
        ...cm('dependent'),
        metadata: {
          name: 'dependent',
          ownerReferences: [{ apiVersion: 'v1', kind: 'Secret', name: 'owner', uid: owner.metadata!.uid! }],
        },
      },
    })
    await core.deleteNamespacedSecret({ name: 'owner', namespace: ns })
    await new Promise((r) => setTimeout(r, 50))
    expect(fake.get('secrets', 'dependent')).toBeUndefined()
  })

  it('resumes watches from a resourceVersion and answers 410 once it was compacted away', async () => {
    const list = await core.listNamespacedSecret({ namespace: ns })
    const from = list.metadata!.resourceVersion!
    await core.createNamespacedSecret({ namespace: ns, body: cm('w1') })
    const watch = new Watch(kc)
    const seen = (rv: string) =>
      new Promise<{ type: string; object: { metadata?: { name?: string }; code?: number } }[]>((resolve) => {
        const events: { type: string; object: { code?: number } }[] = []
        void watch.watch(
          `/api/v1/namespaces/${ns}/secrets`,
          { resourceVersion: rv, timeoutSeconds: 1 },
          (type, object) => events.push({ type, object }),
          () => resolve(events),
        )
      })
    expect((await seen(from)).map((e) => [e.type, e.object.metadata?.name])).toEqual([['ADDED', 'w1']])
    fake.compact()
    const expired = await seen(from)
    expect(expired).toEqual([
      { type: 'ERROR', object: expect.objectContaining({ code: 410, reason: 'Expired' }) },
    ])
    expect(fake.countRequests({ verb: 'watch', resource: 'secrets' })).toBe(2)
  })
})
