import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createTestServer, eventually, type Json, ManualClock, type TestServer } from '../harness.js'
import { type EngineClient, testEngine } from './engine.js'

/**
 * Idle detection against a real Jupyter server (scripts/jupyter-image.sh builds the image: Debian's
 * jupyter-notebook, no registry), on the real engine: the platform reads `/api/kernels` and
 * `/api/status` with the token it generated. A kernel executing `time.sleep` keeps the pod alive past
 * its idle deadline; once the kernel is idle again, the pod stops at the next deadline.
 */

const JUPYTER_IMAGE = process.env.NEUROPOD_TEST_JUPYTER_IMAGE ?? 'localhost/neuropod-jupyter:test'
const engine = await testEngine('idle with a real Jupyter')
let missing: string | null = null
if (engine) {
  const image = await engine.request('GET', `/images/${encodeURIComponent(JUPYTER_IMAGE)}/json`)
  if (image.status !== 200) {
    missing = `the Jupyter image ${JUPYTER_IMAGE} is missing: run \`eval "$(scripts/jupyter-image.sh)"\` first`
    if (process.env.NEUROPOD_REQUIRE_ENGINE === 'true')
      throw new Error(`NEUROPOD_REQUIRE_ENGINE=true but ${missing}`)
    console.warn(`\n  ⚠ SKIPPED — ${missing}\n`)
  }
}
const MIN = 60_000

describe.skipIf(!engine || missing !== null)('idle detection with a real Jupyter server', () => {
  const docker = engine as EngineClient
  const clock = new ManualClock(new Date())
  let server: TestServer
  let instance = ''

  beforeAll(async () => {
    server = await createTestServer({
      clock,
      env: {
        NEUROPOD_RUNTIME: 'docker',
        NEUROPOD_DOCKER_SOCKET: docker.socketPath,
        NEUROPOD_DOCKER_STOP_TIMEOUT_SECONDS: '1',
        NEUROPOD_IDLE_INTERVAL_SECONDS: '3600',
      },
    })
    const row = await server.platform.database.db
      .selectFrom('instance_settings')
      .select('value')
      .where('key', '=', 'instance_id')
      .executeTakeFirstOrThrow()
    instance = row.value
  })
  afterAll(async () => {
    await server?.stop()
    if (instance) await docker.removeInstance(instance)
  })

  async function podOf(podId: string): Promise<Json> {
    return (await server.request('GET', `/api/pods/${podId}`, { token: server.adminToken })).body.data
  }

  it('a busy kernel keeps the pod alive; an idle kernel lets it stop', {
    timeout: 300_000,
  }, async () => {
    const created = await server.request('POST', '/api/pods', {
      token: server.adminToken,
      body: {
        name: `idle-jupyter-${Date.now().toString(36)}`,
        dockerImage: JUPYTER_IMAGE,
        gpu: 'cpu',
        enableJupyter: true,
        containerDiskSize: 1,
        volumeDiskSize: 1,
        idleTimeoutMinutes: 5,
      },
    })
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    const podId: string = created.body.data.podId
    const pod = await eventually(
      async () => {
        const p = await podOf(podId)
        if (p.status === 'error') throw new Error(`pod failed: ${p.statusReason}`)
        return p.status === 'running' && p.httpServices[0].status === 'ready' ? p : null
      },
      180_000,
      500,
    )
    const row = await server.platform.database.db
      .selectFrom('pods')
      .select('jupyter_token_sealed')
      .where('id', '=', podId)
      .executeTakeFirstOrThrow()
    const token = server.platform.secrets.open(row.jupyter_token_sealed!)
    const endpoint = (await server.platform.runtime.endpoint(podId, 8888))!
    const base = `http://${endpoint.host}:${endpoint.port}`
    const auth = { authorization: `token ${token}` }

    // A kernel, through Jupyter's REST API. A message sent while the kernel process is still
    // starting can be lost, which made this test flaky; so the code goes only after a kernel_info
    // round trip over its channels. (This notebook server's /api/kernels says "starting" until the
    // kernel first executes something, so it cannot tell readiness; it does report busy and idle
    // after that, and those are what the test, and the platform, read.)
    const kernel = (await (
      await fetch(`${base}/api/kernels`, { method: 'POST', headers: auth })
    ).json()) as Json
    const kernelState = async () => {
      const res = await fetch(`${base}/api/kernels/${kernel.id}?no_track_activity=1`, { headers: auth })
      return res.ok ? ((await res.json()) as Json).execution_state : `HTTP ${res.status}`
    }

    // Its WebSocket channels, and a kernel_info round trip (asked again until answered).
    const channels = new WebSocket(
      `ws://${endpoint.host}:${endpoint.port}/api/kernels/${kernel.id}/channels`,
      {
        headers: auth,
      },
    )
    const received: Json[] = []
    channels.on('message', (data) => received.push(JSON.parse(String(data)) as Json))
    await new Promise<void>((resolve, reject) => {
      channels.once('open', () => resolve())
      channels.once('error', reject)
    })
    const session = randomUUID()
    const send = (msgType: string, content: Json): string => {
      const msgId = randomUUID()
      channels.send(
        JSON.stringify({
          header: {
            msg_id: msgId,
            username: 'test',
            session,
            msg_type: msgType,
            version: '5.3',
            date: new Date().toISOString(),
          },
          parent_header: {},
          metadata: {},
          content,
          channel: 'shell',
          buffers: [],
        }),
      )
      return msgId
    }
    const replied = (msgId: string, msgType: string) =>
      received.some((m) => m.parent_header?.msg_id === msgId && m.msg_type === msgType)
    const infoIds: string[] = []
    await eventually(
      async () => {
        if (infoIds.some((id) => replied(id, 'kernel_info_reply'))) return true
        infoIds.push(send('kernel_info_request', {}))
        return false
      },
      180_000,
      2000,
    )

    // `time.sleep` through the shell channel; the kernel echoes it (execute_input) once it runs.
    const execution = send('execute_request', {
      code: 'import time\ntime.sleep(600)',
      silent: false,
      store_history: false,
      user_expressions: {},
      allow_stdin: false,
      stop_on_error: true,
    })
    await eventually(async () => replied(execution, 'execute_input'), 120_000, 250)
    await eventually(async () => (await kernelState()) === 'busy', 120_000, 250)

    // Far past the idle deadline of the pod's start: the busy kernel keeps it running.
    const t0 = new Date(pod.startedAt).getTime()
    clock.set(new Date(Math.max(Date.now(), t0) + 30 * MIN))
    const busyPass = await server.platform.idleEvaluator.pass()
    expect(busyPass.stopped).toBe(0)
    const busy = await podOf(podId)
    expect(busy.desiredState).toBe('running')
    expect(busy.idle.lastActivity).toMatchObject({ source: 'kernel', detail: 'kernel running' })

    // Interrupt: the kernel is idle, and stays so. The deadline now runs from the last busy sample.
    await fetch(`${base}/api/kernels/${kernel.id}/interrupt`, { method: 'POST', headers: auth })
    await eventually(async () => (await kernelState()) === 'idle', 120_000, 250)
    channels.close()
    clock.set(new Date(clock.now().getTime() + 3 * MIN))
    expect((await server.platform.idleEvaluator.pass()).stopped).toBe(0)
    clock.set(new Date(clock.now().getTime() + 6 * MIN))
    const idlePass = await server.platform.idleEvaluator.pass()
    expect(
      idlePass.stopped,
      `${clock.now().toISOString()} ${JSON.stringify((await podOf(podId)).idle)} ${await kernelState()}`,
    ).toBe(1)
    const stopped = await eventually(
      async () => {
        const p = await podOf(podId)
        return p.status === 'stopped' ? p : null
      },
      60_000,
      250,
    )
    expect(stopped.idle.lastAutoStop).toBe('idle 5 min')
    expect((await docker.container(`neuropod-${podId}`))?.State.Running ?? false).toBe(false)
    await server.request('DELETE', `/api/pods/${podId}`, { token: server.adminToken })
  })
})
