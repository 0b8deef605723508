import { describe, expect, it } from 'vitest'
import type { HttpServiceRecord } from '../../db/schema.js'
import { evaluateReadiness, type ReadinessPod } from './readiness.js'

const service = (port: number, status: HttpServiceRecord['status'] = 'creating'): HttpServiceRecord => ({
  port,
  serviceName: `s${port}`,
  isCustom: false,
  access: 'private',
  status,
  statusReason: null,
  jupyter: false,
})
const startedAt = new Date('2026-01-01T00:00:00Z')
const at = (seconds: number) => new Date(startedAt.getTime() + seconds * 1000)
const pod = (over: Partial<ReadinessPod> = {}): ReadinessPod => ({
  status: 'creating',
  status_reason: 'Waiting for the HTTP services to answer',
  started_at: startedAt,
  http_services: [service(8888), service(8080)],
  ...over,
})
const GRACE = 60

describe('readiness of a running container', () => {
  it('is running with a Ready event once every port answers', () => {
    const outcome = evaluateReadiness(pod(), [true, true], at(2), GRACE)
    expect(outcome).toMatchObject({ status: 'running', reason: null, allReady: true, changed: true })
    expect(outcome.services.map((s) => s.status)).toEqual(['ready', 'ready'])
    expect(outcome.event).toMatchObject({ type: 'normal', reason: 'Ready', progress: 100 })
  })

  it('records a port that answers while it waits for the others, without an event', () => {
    const outcome = evaluateReadiness(pod(), [true, false], at(2), GRACE)
    expect(outcome).toMatchObject({
      status: 'creating',
      allReady: false,
      pastGrace: false,
      changed: true,
      event: null,
    })
    expect(outcome.services.map((s) => s.status)).toEqual(['ready', 'creating'])
    // Nothing new: nothing to write.
    const again = evaluateReadiness(pod({ http_services: outcome.services }), [true, false], at(3), GRACE)
    expect(again.changed).toBe(false)
  })

  it('after the grace period runs anyway, naming the silent ports, with a warning', () => {
    const outcome = evaluateReadiness(pod(), [true, false], at(GRACE + 1), GRACE)
    expect(outcome).toMatchObject({
      status: 'running',
      reason: 'Running; port(s) 8080 not answering',
      pastGrace: true,
      event: { type: 'warning', reason: 'NotReady', message: 'Running; port(s) 8080 not answering' },
    })
    expect(outcome.services[1]).toMatchObject({
      status: 'error',
      statusReason: 'Nothing answers on port 8080 yet',
    })
  })

  it('announces Ready when a late port answers after all', () => {
    const late = pod({
      status: 'running',
      status_reason: 'Running; port(s) 8080 not answering',
      http_services: [service(8888, 'ready'), { ...service(8080, 'error'), statusReason: 'x' }],
    })
    const outcome = evaluateReadiness(late, [true, true], at(GRACE + 30), GRACE)
    expect(outcome).toMatchObject({
      status: 'running',
      reason: null,
      changed: true,
      event: { reason: 'Ready' },
    })
  })

  it('waits for the start time before any grace applies', () => {
    const outcome = evaluateReadiness(pod({ started_at: null }), [false, false], at(10_000), GRACE)
    expect(outcome).toMatchObject({ status: 'creating', pastGrace: false, changed: false })
  })
})
