import fs from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parsePrometheusText } from '../src/lib/prometheus-text.js'
import { METRIC_NAMES } from '../src/observability/prometheus.js'
import { createTestServer, eventually, type TestServer } from './harness.js'

/**
 * The control plane's Prometheus endpoint (issue 12, item 4) and request ids (item 5): /metrics
 * answers only with the configured bearer token, serves every named metric in a text format a
 * parser reads back, and a request's id reaches the log lines of the runtime calls it caused.
 */

const TOKEN = 'metrics-token-0123456789abcdef'

describe('GET /metrics', () => {
  let server: TestServer
  const lines: Record<string, unknown>[] = []

  beforeAll(async () => {
    server = await createTestServer({
      env: { NEUROPOD_METRICS_TOKEN: TOKEN, NEUROPOD_LOG_LEVEL: 'debug' },
      logDestination: {
        write(line: string) {
          lines.push(JSON.parse(line))
        },
      },
    })
  })
  afterAll(() => server?.stop())

  it('refuses without the token: anonymous, a wrong token, a user or admin session', async () => {
    const client = await server.newClient('scraper')
    for (const authorization of [
      undefined,
      `Bearer ${TOKEN}x`,
      'Bearer wrong',
      `Bearer ${client.token}`,
      `Bearer ${server.adminToken}`,
      TOKEN,
    ]) {
      const res = await server.request('GET', '/metrics', {
        headers: authorization ? { authorization } : {},
      })
      expect(res.status, String(authorization)).toBe(401)
      expect(String(res.body)).not.toContain('neuropod_')
    }
  })

  it('serves every metric named in the issue, parseable as the Prometheus text format', async () => {
    const client = await server.newClient('metrics')
    const created = await server.request('POST', '/api/pods', {
      token: client.token,
      body: { name: 'scraped', dockerImage: 'busybox:latest', gpu: 'cpu', ports: [8080] },
    })
    expect(created.status).toBe(201)
    const podId = created.body.data.podId
    await eventually(
      async () =>
        (await server.request('GET', `/api/pods/${podId}`, { token: client.token })).body.data.status ===
        'running',
    )
    await server.platform.meter.tick()
    await server.platform.sampler.tick()
    const res = await server.request('GET', '/metrics', { headers: { authorization: `Bearer ${TOKEN}` } })
    expect(res.status).toBe(200)
    expect(String(res.headers['content-type'])).toMatch(/^text\/plain; version=0\.0\.4/)
    const families = parsePrometheusText(String(res.body))
    for (const name of METRIC_NAMES) expect(families.has(name), name).toBe(true)

    const http = families.get('neuropod_http_request_duration_seconds')!
    expect(http.type).toBe('histogram')
    // Routes are templates (bounded label values), with the status code.
    expect(
      http.samples.some(
        (s) =>
          s.name === 'neuropod_http_request_duration_seconds_count' &&
          s.labels.route === '/api/pods/:podId' &&
          s.labels.status === '200' &&
          s.labels.method === 'GET' &&
          s.value >= 1,
      ),
    ).toBe(true)
    expect(http.samples.some((s) => s.labels.route?.includes(podId))).toBe(false)

    const pods = families.get('neuropod_pods')!
    expect(pods.samples).toContainEqual({
      name: 'neuropod_pods',
      labels: { state: 'running', gpu_type: 'cpu' },
      value: 1,
    })
    expect(families.get('neuropod_leader')!.samples[0]).toMatchObject({
      value: 1,
      labels: { runtime: 'simulated' },
    })
    const tick = families.get('neuropod_meter_tick_duration_seconds')!
    expect(tick.samples.find((s) => s.name === 'neuropod_meter_tick_duration_seconds_count')?.value).toBe(1)
    const sample = families.get('neuropod_metrics_sample_duration_seconds')!
    expect(sample.samples.find((s) => s.name.endsWith('_count'))?.value).toBeGreaterThanOrEqual(1)
    const queue = families.get('neuropod_reconciler_queue_length')!
    expect(queue.samples.map((s) => s.labels.state).sort()).toEqual(['running', 'waiting'])
    const actions = families.get('neuropod_reconciler_action_duration_seconds')!
    expect(actions.samples.some((s) => s.labels.action === 'place' && s.labels.outcome === 'ok')).toBe(true)
    expect(
      families
        .get('neuropod_proxy_requests_total')!
        .samples.map((s) => s.labels.kind)
        .sort(),
    ).toEqual(['http', 'websocket'])
    // Admins are not metered; a client's pod that ran is, once the meter ticked.
    const ledger = families.get('neuropod_ledger_amount_micro_euros')!
    for (const s of ledger.samples) expect(Number.isInteger(s.value)).toBe(true)
  })

  it('gives every request an id (the caller’s X-Request-Id when sane) that reaches the runtime calls it caused', async () => {
    const client = await server.newClient('traced')
    const res = await server.request('POST', '/api/pods', {
      token: client.token,
      headers: { 'x-request-id': 'trace-me-42' },
      body: { name: 'traced', dockerImage: 'busybox:latest', gpu: 'cpu', ports: [8080] },
    })
    expect(res.status).toBe(201)
    expect(res.headers['x-request-id']).toBe('trace-me-42')
    const podId = res.body.data.podId
    // The reconciler runs ensureRunning because of this request: its log line carries the id.
    const call = await eventually(async () =>
      lines.find((l) => l.msg === 'runtime call' && l.op === 'ensureRunning' && l.podId === podId),
    )
    expect(call.reqId).toBe('trace-me-42')
    expect(lines.some((l) => l.reqId === 'trace-me-42' && l.msg === 'request completed')).toBe(true)
    // A header that is not a sane token is replaced, not logged.
    const odd = await server.request('GET', '/api/health', { headers: { 'x-request-id': 'a b\nc' } })
    expect(odd.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)
  })
})

describe('deploy/grafana/neuropod-dashboard.json', () => {
  it('charts only metrics /metrics serves', () => {
    const json = fs.readFileSync(
      new URL('../../../deploy/grafana/neuropod-dashboard.json', import.meta.url),
      'utf8',
    )
    const used = new Set(
      [...json.matchAll(/neuropod_[a-z_]+/g)].map((m) => m[0].replace(/_(bucket|count|sum)$/, '')),
    )
    expect(used.size).toBeGreaterThan(10)
    for (const name of used) expect(METRIC_NAMES as readonly string[], name).toContain(name)
  })
})

describe('GET /metrics without a token configured', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await createTestServer()
  })
  afterAll(() => server?.stop())

  it('does not exist', async () => {
    const res = await server.request('GET', '/metrics', {
      headers: { authorization: 'Bearer anything-at-all' },
    })
    expect(res.status).toBe(404)
  })
})
