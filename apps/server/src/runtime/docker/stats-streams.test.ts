import { describe, expect, it } from 'vitest'
import { figuresFromFrame, type StatsFrame } from './stats-streams.js'

/** Frames shaped as Podman 4/5 streams them (precpu filled from the previous frame, every 5 s). */
const frame = (
  read: string,
  cpuNs: number,
  systemNs: number,
  pre: [number, number] | null,
  rx: number,
  tx: number,
): StatsFrame => ({
  read,
  cpu_stats: { cpu_usage: { total_usage: cpuNs }, system_cpu_usage: systemNs, online_cpus: 2 },
  precpu_stats: pre ? { cpu_usage: { total_usage: pre[0] }, system_cpu_usage: pre[1] } : { cpu_usage: {} },
  memory_stats: { usage: 10_000_000, limit: 1_000_000_000, stats: { inactive_file: 2_000_000 } },
  networks: { eth0: { rx_bytes: rx, tx_bytes: tx } },
})

describe('stats stream frames', () => {
  it('computes CPU from the frame window, rates from the previous frame, memory without cache', () => {
    // Podman's first frame: a precpu read 4.6 ms before, too short a window to mean anything.
    const first = frame(
      '2026-12-03T15:35:26.149Z',
      62_508_813,
      3_155_630_129_116,
      [61_145_437, 3_155_625_529_754],
      1000,
      500,
    )
    const f1 = figuresFromFrame(first, null)
    expect(f1.cpuPercent).toBeNull()
    expect(f1.memory).toEqual({ used: 8_000_000, limit: 1_000_000_000 })
    expect(f1.rxRate).toBeNull()
    // The next frame, 5 s later: 1.29 s of CPU in 10 s of machine time on 2 CPUs = 25.7 % of one CPU.
    const second = frame(
      '2026-12-03T15:35:31.153Z',
      1_348_204_996,
      3_165_629_306_263,
      [62_508_813, 3_155_630_129_116],
      51_000,
      10_500,
    )
    const f2 = figuresFromFrame(second, first)
    expect(f2.cpuPercent).toBe(25.7)
    expect(f2.rxRate).toBe(Math.round(50_000 / 5.004))
    expect(f2.txRate).toBe(Math.round(10_000 / 5.004))
  })

  it('falls back to the previous frame when precpu is empty, and never reports a negative rate', () => {
    const a = frame('2026-01-01T00:00:00.000Z', 1e9, 100e9, null, 5000, 5000)
    const b = frame('2026-01-01T00:00:10.000Z', 11e9, 120e9, null, 1000, 6000) // counters reset
    const f = figuresFromFrame(b, a)
    expect(f.cpuPercent).toBe(100)
    expect(f.rxRate).toBeNull()
    expect(f.txRate).toBe(100)
  })

  it("reads CPU over the frames' wall time: Podman's system_cpu_usage is the host's busy time", () => {
    // Recorded from Podman 4.3 on a quiet 2-CPU host: an idle httpd, frames 5 s apart, the host
    // busy for only 0.26 s of them. Docker's formula (container / system delta) said nothing here.
    const frame = (
      read: string,
      preread: string,
      total: number,
      system: number,
      preTotal: number,
      preSystem: number,
    ) =>
      ({
        read,
        preread,
        cpu_stats: { cpu_usage: { total_usage: total }, system_cpu_usage: system, online_cpus: 2 },
        precpu_stats: { cpu_usage: { total_usage: preTotal }, system_cpu_usage: preSystem },
        memory_stats: { usage: 598016, limit: 25276071936, stats: {} },
      }) as StatsFrame
    const idle = frame(
      '2026-12-04T03:58:21.884843269Z',
      '2026-12-04T03:58:16.880289771Z',
      33578943,
      11216840882865,
      33578943,
      11216578092165,
    )
    expect(figuresFromFrame(idle, null).cpuPercent).toBe(0)
    // Half a CPU busy for those 5 s (2.5 s of CPU time): 50 % of one CPU, whatever the host did.
    const busy = frame(
      '2026-12-04T03:58:21.880289771Z',
      '2026-12-04T03:58:16.880289771Z',
      33578943 + 2_500_000_000,
      11216840882865,
      33578943,
      11216578092165,
    )
    expect(figuresFromFrame(busy, null).cpuPercent).toBe(50)
  })
})
