import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { systemClock } from '../src/lib/clock.js'
import type { PodObservation, RuntimeListener } from '../src/runtime/pod-runtime.js'
import { arithmetic, parseScript } from '../src/runtime/simulated/sim-shell.js'
import { SimulatedRuntime } from '../src/runtime/simulated/simulated-runtime.js'
import { collect, execContract, readUntil } from './exec-contract.js'
import { cloneDatabase, createTestServer, eventually, type Json } from './harness.js'
import { podSpec } from './kubernetes/helpers.js'

/** The simulated runtime: its shell behind the exec contract, and resuming after a restart. */

class Listener implements RuntimeListener {
  readonly observations: PodObservation[] = []
  observed(o: PodObservation): void {
    this.observations.push(o)
  }
  event(): void {}
  resync(): void {}
  connectivity(): void {}
}

describe('simulated exec', () => {
  const runtime = new SimulatedRuntime({ createDelayMs: 1, startDelayMs: 1, clock: systemClock, gpus: null })
  const listener = new Listener()
  const spec = podSpec({ image: 'pytorch/pytorch:latest' })

  beforeAll(async () => {
    await runtime.start(listener)
    await runtime.ensureRunning(spec)
    await eventually(async () => listener.observations.some((o) => o.phase === 'running'))
  })
  afterAll(() => runtime.close())

  execContract(() => ({ runtime, podId: spec.podId, unknownPodId: 'ffffffffffffffff' }))

  it('says it is a simulation, and that real tools are not there', async () => {
    const shell = await runtime.exec({ podId: spec.podId, command: null, tty: true })
    const banner = await readUntil(shell, /simulated:~\$ $/)
    expect(banner).toMatch(/simulated runtime/)
    expect(banner).toContain('pytorch/pytorch:latest')
    const seen = readUntil(shell, /not available in the simulation/)
    shell.stdin.write('nvidia-smi\r')
    await seen
    const result = collect(shell)
    shell.stdin.write('exit $?\r')
    expect((await result).code).toBe(127)
  })

  it('edits the line like a terminal: backspace, Ctrl-U, Ctrl-C', async () => {
    const shell = await runtime.exec({ podId: spec.podId, command: null, tty: true })
    await readUntil(shell, /\$ $/)
    const seen = readUntil(shell, /\r\nok\r\n/)
    shell.stdin.write('echo nope\x15echo okk\x7f\r')
    await seen
    // Typed ahead, Ctrl-C drops the queued line as a terminal does: `sleep` never runs.
    const dropped = readUntil(shell, /\^C\r\n[\s\S]*130/)
    shell.stdin.write('sleep 100\r\x03echo $?\r')
    await dropped
    // Typed while it runs, Ctrl-C interrupts it.
    const started = readUntil(shell, /sleep 100\r\n$/)
    shell.stdin.write('sleep 100\r')
    await started
    const interrupted = readUntil(shell, /\^C\r\n[\s\S]*130/)
    shell.stdin.write('\x03echo $?\r')
    await interrupted
    expect((await shell.close()).code).toBe(129)
  })

  it('parses what it runs: sequences, conditionals, quotes and arithmetic', () => {
    expect(parseScript(`echo 'a b' "c"; false && echo x || echo y`).map((c) => c.next)).toEqual([
      ';',
      '&&',
      '||',
      null,
    ])
    expect(arithmetic('6*7')).toBe(42)
    expect(arithmetic('(1 + 2) * -3 % 5')).toBe(-4)
    expect(arithmetic('7/0')).toBeNull()
    expect(arithmetic('1; rm -rf /')).toBeNull()
  })
})

describe('simulated pods after a control-plane restart', () => {
  it('keep running with the same start, logs and volume, and no new VolumeCreated', async () => {
    const { handle, drop } = await cloneDatabase()
    const first = await createTestServer({ database: { ...handle, close: async () => {} } })
    const client = await first.newClient()
    await first.request('POST', '/api/auth/users/credit', {
      token: first.adminToken,
      body: { userId: client.id, amount: 100, reason: 't' },
    })
    const created = await first.request('POST', '/api/pods', {
      token: client.token,
      body: { name: 'survivor', dockerImage: 'busybox:latest', gpu: 'cpu', ports: [8080] },
    })
    const podId = created.body.data.podId as string
    const get = (server: typeof first, path: string) =>
      server.request('GET', `/api/pods/${podId}${path}`, { token: client.token })
    const before = await eventually(async () => {
      const pod = (await get(first, '')).body.data
      return pod.status === 'running' && pod.httpServices.every((s: Json) => s.status === 'ready')
        ? pod
        : null
    })
    const logsBefore = (await get(first, '/logs')).body.data.lines as Json[]
    await first.stop()

    const second = await createTestServer({ database: handle })
    try {
      const token = (
        await second.request('POST', '/api/auth/login', {
          body: { email: client.email, password: 'client-password-1' },
        })
      ).body.token
      const again = (path: string) => second.request('GET', `/api/pods/${podId}${path}`, { token })
      const after = await eventually(async () => {
        const pod = (await again('')).body.data
        return pod.status === 'running' && pod.httpServices.every((s: Json) => s.status === 'ready')
          ? pod
          : null
      })
      expect(after.startedAt).toBe(before.startedAt)
      const logsAfter = (await again('/logs')).body.data.lines as Json[]
      expect(logsAfter.slice(0, logsBefore.length)).toEqual(logsBefore)
      const events = (await again('/events')).body.data as Json[]
      expect(events.filter((e) => e.reason === 'VolumeCreated')).toHaveLength(1)
      expect(events.filter((e) => e.reason === 'Started')).toHaveLength(1)
      // Its built-in page answers again, and its shell opens.
      const endpoint = await second.platform.runtime.endpoint(podId, 8080)
      expect((await fetch(`http://${endpoint!.host}:${endpoint!.port}/`)).status).toBe(200)
      const echo = await collect(
        await second.platform.runtime.exec({ podId, command: ['echo', 'still here'], tty: false }),
      )
      expect(echo.stdout.toString()).toBe('still here\n')
    } finally {
      await second.stop()
      await drop()
    }
  }, 120_000) // two control planes start in this test: a loaded machine needs more than the default
})
