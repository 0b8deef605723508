import { describe, expect, it } from 'vitest'
import { silentLogger } from '../../lib/logger.js'
import { retryDelayMs, WorkQueue } from './work-queue.js'

describe('reconcile work queue', () => {
  it('backs off 1 s, 2 s, 4 s … and never waits more than a minute', () => {
    expect([1, 2, 3, 4].map(retryDelayMs)).toEqual([1000, 2000, 4000, 8000])
    expect(retryDelayMs(7)).toBe(60_000)
    expect(retryDelayMs(50)).toBe(60_000)
  })

  it('runs at most `concurrency` pods at once and never the same pod twice at once', async () => {
    let running = 0
    let peak = 0
    const runs: string[] = []
    const gates = new Map<string, () => void>()
    const queue = new WorkQueue({
      concurrency: 2,
      log: silentLogger,
      reconcile: async (podId) => {
        running++
        peak = Math.max(peak, running)
        runs.push(podId)
        await new Promise<void>((resolve) => gates.set(podId, resolve))
        running--
      },
    })
    queue.enqueue('ignored-while-closed')
    queue.start()
    // The second `a` arrives while the first runs: it runs once more afterwards, not alongside.
    for (const id of ['a', 'a', 'b', 'c']) queue.enqueue(id)
    expect(runs).toEqual(['a', 'b'])
    const finish = async (podId: string) => {
      gates.get(podId)!()
      await new Promise((r) => setImmediate(r))
    }
    await finish('a')
    expect(runs).toEqual(['a', 'b', 'a'])
    await finish('b')
    expect(runs).toEqual(['a', 'b', 'a', 'c'])
    await finish('a')
    await finish('c')
    await queue.idle()
    expect(peak).toBe(2)
    await queue.close()
  })

  it('applies one pod’s observations in arrival order, one at a time', async () => {
    const queue = new WorkQueue({ concurrency: 1, log: silentLogger, reconcile: async () => {} })
    queue.start()
    const order: number[] = []
    let release!: () => void
    queue.serially('p', () => new Promise<void>((r) => (release = r)).then(() => order.push(1)))
    queue.serially('p', async () => order.push(2))
    queue.serially('q', async () => order.push(3))
    await new Promise((r) => setImmediate(r))
    expect(order).toEqual([3])
    release()
    await queue.idle()
    expect(order).toEqual([3, 1, 2])
  })
})
