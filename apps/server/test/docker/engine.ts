import http from 'node:http'

/**
 * The real engine the docker-runtime suites run against (Podman in CI: scripts/podman-env.sh
 * starts it and exports NEUROPOD_TEST_DOCKER_SOCKET). Tests talk to it over plain HTTP — what a
 * person with `docker`/`podman` does by hand — rather than through the adapter under test.
 *
 * Without an engine the suites skip with a visible message; with NEUROPOD_REQUIRE_ENGINE=true
 * (CI) a missing engine fails them instead.
 */

export const TEST_IMAGE = process.env.NEUROPOD_TEST_IMAGE ?? 'localhost/neuropod-test:latest'

export class EngineClient {
  constructor(readonly socketPath: string) {}

  request<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body)
      const req = http.request(
        {
          socketPath: this.socketPath,
          path,
          method,
          headers: payload
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
            : {},
          timeout: 30_000,
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8')
            let parsed: unknown = text
            try {
              parsed = text ? JSON.parse(text) : null
            } catch {
              /* not JSON */
            }
            resolve({ status: res.statusCode ?? 0, body: parsed as T })
          })
        },
      )
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)))
      req.on('error', reject)
      req.end(payload)
    })
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.request('GET', '/_ping')).status === 200
    } catch {
      return false
    }
  }

  /** Inspect of a container by name or id, or null when it does not exist. */
  async container(name: string): Promise<ContainerInfo | null> {
    const res = await this.request<ContainerInfo>('GET', `/containers/${encodeURIComponent(name)}/json`)
    return res.status === 200 ? res.body : null
  }

  async volumeExists(name: string): Promise<boolean> {
    return (await this.request('GET', `/volumes/${encodeURIComponent(name)}`)).status === 200
  }

  /** Containers (all states) carrying `label` (k=v). */
  async containers(
    label: string,
  ): Promise<{ Id: string; Names: string[]; Labels: Record<string, string> }[]> {
    const filters = encodeURIComponent(JSON.stringify({ label: [label] }))
    return (await this.request<never[]>('GET', `/containers/json?all=true&filters=${filters}`)).body
  }

  async volumes(label: string): Promise<{ Name: string; Labels: Record<string, string> }[]> {
    const filters = encodeURIComponent(JSON.stringify({ label: [label] }))
    return (
      (await this.request<{ Volumes: never[] | null }>('GET', `/volumes?filters=${filters}`)).body.Volumes ??
      []
    )
  }

  /** Removes every container and volume of a NeuroPod instance (test clean-up after failures). */
  async removeInstance(instanceId: string): Promise<void> {
    const label = `io.neuropod.instance=${instanceId}`
    for (const c of await this.containers(label)) await this.remove(c.Id)
    for (const v of await this.volumes(label)) await this.request('DELETE', `/volumes/${v.Name}?force=true`)
  }

  async kill(name: string, signal = 'KILL'): Promise<number> {
    return (await this.request('POST', `/containers/${encodeURIComponent(name)}/kill?signal=${signal}`))
      .status
  }

  async remove(name: string): Promise<number> {
    return (await this.request('DELETE', `/containers/${encodeURIComponent(name)}?force=true`)).status
  }
}

export interface ContainerInfo {
  Id: string
  Name: string
  State: { Status: string; Running: boolean; ExitCode: number; StartedAt: string }
  Config: { Env: string[]; Labels: Record<string, string>; Image: string }
  HostConfig: { Memory: number; NanoCpus: number; DeviceRequests: unknown }
  Mounts: { Type: string; Name: string; Destination: string }[]
  NetworkSettings: { Ports: Record<string, { HostIp: string; HostPort: string }[] | null> }
}

/**
 * The engine for this test file, or null (the suite then skips, loudly). Throws when the engine is
 * required (NEUROPOD_REQUIRE_ENGINE=true) but missing or without the test image.
 */
export async function testEngine(suite: string): Promise<EngineClient | null> {
  const socket = process.env.NEUROPOD_TEST_DOCKER_SOCKET
  const required = process.env.NEUROPOD_REQUIRE_ENGINE === 'true'
  const engine = socket ? new EngineClient(socket) : null
  let problem: string | null = null
  if (!engine) problem = 'NEUROPOD_TEST_DOCKER_SOCKET is not set'
  else if (!(await engine.ping())) problem = `no engine answers on ${socket}`
  else if ((await engine.request('GET', `/images/${encodeURIComponent(TEST_IMAGE)}/json`)).status !== 200)
    problem = `the test image ${TEST_IMAGE} is missing`
  if (!problem) return engine
  const message = `${suite}: ${problem}. Run \`eval "$(scripts/podman-env.sh)"\` as root first.`
  if (required) throw new Error(`NEUROPOD_REQUIRE_ENGINE=true but ${message}`)
  console.warn(`\n  ⚠ SKIPPED (no container engine) — ${message}\n`)
  return null
}
