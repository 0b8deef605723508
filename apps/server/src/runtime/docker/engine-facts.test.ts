import { describe, expect, it } from 'vitest'
import {
  GpuInventory,
  gpuTypeFromName,
  parseNvidiaSmiInventory,
  parseNvidiaSmiUsage,
  usageOf,
} from './gpu-inventory.js'
import { hostPorts, type Inspect, observationFromInspect } from './observations.js'
import { cpuPercent, cpuSample, memoryUsage, previousCpuSample } from './stats.js'

function inspect(
  state: Partial<Inspect['State']>,
  ports: Record<string, { HostIp: string; HostPort: string }[]> = {},
): Inspect {
  return {
    Id: 'c1',
    State: {
      Status: 'running',
      Running: true,
      Paused: false,
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      Pid: 1,
      ExitCode: 0,
      Error: '',
      StartedAt: '2026-11-27T22:58:44.01695336Z',
      FinishedAt: '0001-01-01T00:00:00Z',
      ...state,
    },
    Config: { Labels: { 'io.neuropod.pod-id': '0123456789abcdef', 'io.neuropod.tcp-ports': '22' } },
    NetworkSettings: { Ports: ports },
  }
}

describe('observations from inspect', () => {
  const context = { tcpHost: 'gpu1.lab.example' }

  it('running: start time and the published TCP endpoints', () => {
    const o = observationFromInspect(
      inspect(
        {},
        {
          '22/tcp': [{ HostIp: '0.0.0.0', HostPort: '40022' }],
          '8888/tcp': [{ HostIp: '127.0.0.1', HostPort: '41888' }],
        },
      ),
      context,
    )
    expect(o).toEqual({
      podId: '0123456789abcdef',
      phase: 'running',
      reason: null,
      exitCode: null,
      startedAt: new Date('2026-11-27T22:58:44.016Z'),
      tcpEndpoints: [{ port: 22, host: 'gpu1.lab.example', hostPort: 40022 }],
    })
  })

  it('exited: exit code, OOM from the state or from an oom event', () => {
    expect(
      observationFromInspect(inspect({ Status: 'exited', Running: false, ExitCode: 137 }), context),
    ).toMatchObject({
      phase: 'exited',
      exitCode: 137,
      reason: null,
    })
    expect(
      observationFromInspect(
        inspect({ Status: 'exited', Running: false, ExitCode: 137, OOMKilled: true }),
        context,
      ),
    ).toMatchObject({ phase: 'exited', exitCode: 137, reason: 'OOMKilled' })
    expect(
      observationFromInspect(inspect({ Status: 'exited', Running: false, ExitCode: 137 }), {
        ...context,
        oomKilled: true,
      }),
    ).toMatchObject({ reason: 'OOMKilled' })
    // Podman says `stopped`; an engine error is the reason.
    expect(
      observationFromInspect(
        inspect({ Status: 'stopped', Running: false, ExitCode: 127, Error: 'exec: "x": not found' }),
        context,
      ),
    ).toMatchObject({ phase: 'exited', exitCode: 127, reason: 'exec: "x": not found' })
  })

  it('created but not started is still creating; removing is absent', () => {
    expect(observationFromInspect(inspect({ Status: 'created', Running: false }), context).phase).toBe(
      'creating',
    )
    expect(observationFromInspect(inspect({ Status: 'configured', Running: false }), context).phase).toBe(
      'creating',
    )
    expect(observationFromInspect(inspect({ Status: 'removing', Running: false }), context).phase).toBe(
      'absent',
    )
  })

  it('reads host ports', () => {
    expect(
      hostPorts(
        inspect(
          {},
          {
            '8888/tcp': [{ HostIp: '127.0.0.1', HostPort: '41888' }],
            '53/udp': [{ HostIp: '', HostPort: '53' }],
          },
        ),
      ),
    ).toEqual(new Map([[8888, 41888]]))
  })
})

describe('stats', () => {
  const podman = {
    cpu_stats: {
      cpu_usage: { total_usage: 82_343_672, percpu_usage: [1, 2] },
      system_cpu_usage: 704_714_996_586,
      online_cpus: 2,
    },
    precpu_stats: { cpu_usage: { total_usage: 0 } },
    memory_stats: { usage: 507_904, limit: 268_435_456 },
  }

  it('computes CPU % between two samples, as docker stats does', () => {
    const first = cpuSample(podman)!
    const second = cpuSample({
      ...podman,
      cpu_stats: {
        ...podman.cpu_stats,
        cpu_usage: { total_usage: 82_343_672 + 50_000_000 },
        system_cpu_usage: 704_714_996_586 + 200_000_000,
      },
    })!
    // 50 ms of CPU in 200 ms of all-CPU time on 2 CPUs = 50 % of one CPU
    expect(cpuPercent(first, second)).toBe(50)
    expect(previousCpuSample(podman)).toBeNull()
    expect(
      previousCpuSample({ precpu_stats: { cpu_usage: { total_usage: 5 }, system_cpu_usage: 9 } }),
    ).toEqual({
      containerNs: 5,
      systemNs: 9,
      cpus: 1,
    })
  })

  it('reports memory without the reclaimable page cache', () => {
    expect(memoryUsage(podman)).toEqual({ used: 507_904, limit: 268_435_456 })
    expect(
      memoryUsage({ memory_stats: { usage: 1000, limit: 4000, stats: { inactive_file: 300 } } }),
    ).toEqual({
      used: 700,
      limit: 4000,
    })
    expect(
      memoryUsage({ memory_stats: { usage: 1000, limit: 4000, stats: { total_inactive_file: 200 } } })?.used,
    ).toBe(800)
    expect(memoryUsage({})).toBeNull()
  })
})

describe('GPU inventory', () => {
  it('maps nvidia-smi names to catalog GPU type ids', () => {
    expect(gpuTypeFromName('NVIDIA GeForce RTX 4090')).toBe('rtx-4090')
    expect(gpuTypeFromName('NVIDIA GeForce RTX 4050 Laptop GPU')).toBe('rtx-4050')
    expect(gpuTypeFromName('NVIDIA A100-SXM4-80GB')).toBe('a100')
    expect(gpuTypeFromName('NVIDIA H100 80GB HBM3')).toBe('h100')
    expect(gpuTypeFromName('NVIDIA RTX A6000')).toBe('rtx-a6000')
    expect(gpuTypeFromName('Tesla V100-PCIE-16GB')).toBe('v100')
  })

  it('parses the device list and usage', () => {
    expect(parseNvidiaSmiInventory('0, NVIDIA GeForce RTX 4090\n1, NVIDIA GeForce RTX 4090\n\n')).toEqual([
      { deviceId: '0', gpuType: 'rtx-4090' },
      { deviceId: '1', gpuType: 'rtx-4090' },
    ])
    const samples = parseNvidiaSmiUsage('0, 30, 1000, 24000\n1, 90, 11000, 24000\n2, [N/A], 0, 24000\n')
    expect(usageOf(samples, ['0', '1'])).toEqual({ gpuUsage: 60, gpuMemoryUsage: 25 })
    expect(usageOf(samples, ['2'])).toBeNull()
    expect(usageOf(samples, ['7'])).toBeNull()
  })

  it('uses the configured list, else nvidia-smi on a local engine, else nothing', async () => {
    const calls: string[] = []
    const exec = async (file: string, args: string[]) => {
      calls.push([file, ...args].join(' '))
      return '0, NVIDIA GeForce RTX 4080\n'
    }
    const configured = [{ deviceId: 'GPU-abc', gpuType: 'a100' }]
    expect(await new GpuInventory(configured, true, exec).devices()).toEqual(configured)
    expect(await new GpuInventory(null, true, exec).devices()).toEqual([
      { deviceId: '0', gpuType: 'rtx-4080' },
    ])
    expect(await new GpuInventory(null, false, exec).devices()).toEqual([])
    expect(calls).toEqual(['nvidia-smi --query-gpu=index,name --format=csv,noheader'])
    const missing = new GpuInventory(null, true, async () => {
      throw Object.assign(new Error('spawn nvidia-smi ENOENT'), { code: 'ENOENT' })
    })
    expect(await missing.devices()).toEqual([])
    expect(await missing.utilisation(['0'])).toEqual({
      unavailable: 'GPU usage is not available: nvidia-smi is not installed or failed',
    })
    expect(await new GpuInventory(null, false, exec).utilisation(['0'])).toMatchObject({
      unavailable: expect.stringMatching(/remote engine/),
    })
  })
})
