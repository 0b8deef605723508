import { describe, expect, it } from 'vitest'
import type { PodRow } from '../../db/schema.js'
import type { PodObservation } from '../../runtime/pod-runtime.js'
import { exitReason, type ObservedPod, observationStep, runningStep } from './observations.js'

const pod = (over: Partial<ObservedPod> = {}): ObservedPod => ({
  status: 'creating',
  desired_state: 'running',
  compute_active: false,
  status_reason: null,
  ...over,
})
const seen = (phase: PodObservation['phase'], over: Partial<PodObservation> = {}): PodObservation => ({
  podId: 'p',
  phase,
  reason: null,
  exitCode: null,
  startedAt: null,
  tcpEndpoints: [],
  ...over,
})
const live = { duringResync: false, persistent: true }
const resync = { duringResync: true, persistent: true }
const simulated = { duringResync: false, persistent: false }

describe('observation → pod state', () => {
  it('leaves stops and deletes to the reconcile loop until the runtime has caught up', () => {
    expect(
      observationStep(pod({ desired_state: 'stopped', status: 'stopping' }), seen('running'), live),
    ).toEqual({
      kind: 'reconcile',
    })
    expect(
      observationStep(pod({ desired_state: 'stopped', status: 'stopped' }), seen('running'), live).kind,
    ).toBe('reconcile')
    expect(
      observationStep(pod({ desired_state: 'stopped', status: 'stopped' }), seen('absent'), live).kind,
    ).toBe('ignore')
    expect(
      observationStep(pod({ desired_state: 'deleted', status: 'deleting' }), seen('absent'), live).kind,
    ).toBe('reconcile')
    expect(observationStep(pod({ status: 'deleted' }), seen('running'), live).kind).toBe('ignore')
  })

  it("shows the runtime's progress while the pod has no running container", () => {
    expect(observationStep(pod({ status: 'pending' }), seen('pending', { reason: 'Pulling' }), live)).toEqual(
      {
        kind: 'progress',
        status: 'pending',
        reason: 'Pulling',
      },
    )
    // The same reason again changes nothing; a pod already accruing is not moved back.
    expect(
      observationStep(pod({ status_reason: 'Pulling' }), seen('pending', { reason: 'Pulling' }), live).kind,
    ).toBe('ignore')
    expect(observationStep(pod({ compute_active: true }), seen('pending', { reason: 'x' }), live).kind).toBe(
      'ignore',
    )
    expect(
      observationStep(pod({ status: 'pending' }), seen('creating', { reason: 'Creating' }), live),
    ).toEqual({
      kind: 'progress',
      status: 'creating',
      reason: 'Creating',
    })
    expect(observationStep(pod({ status: 'running' }), seen('creating'), live).kind).toBe('ignore')
  })

  it('records a running container, re-applying port access only during a resync', () => {
    expect(observationStep(pod(), seen('running'), live)).toEqual({ kind: 'running', syncAccess: false })
    expect(observationStep(pod({ status: 'running' }), seen('running'), resync)).toEqual({
      kind: 'running',
      syncAccess: true,
    })
    expect(observationStep(pod({ status: 'error' }), seen('running'), live).kind).toBe('ignore')
  })

  it('fails a pod whose container exited or could not run, with the reason a user can act on', () => {
    expect(observationStep(pod({ status: 'running' }), seen('exited', { exitCode: 1 }), live)).toEqual({
      kind: 'fail',
      reason: 'The container exited with code 1',
      exitCode: 1,
    })
    expect(observationStep(pod(), seen('failed', { reason: 'ErrImagePull' }), live)).toMatchObject({
      kind: 'fail',
      reason: 'ErrImagePull',
    })
    expect(observationStep(pod(), seen('failed'), live)).toMatchObject({
      reason: 'The runtime could not run the pod',
    })
    expect(observationStep(pod({ status: 'error' }), seen('exited'), live).kind).toBe('ignore')
    expect(exitReason({ exitCode: 137, reason: null })).toBe('The container exited with code 137 (killed)')
    expect(exitReason({ exitCode: null, reason: 'OOMKilled' })).toBe('The container stopped (OOMKilled)')
  })

  it('tells a container removed behind our back from one that never existed', () => {
    expect(observationStep(pod({ status: 'running', compute_active: true }), seen('absent'), live)).toEqual({
      kind: 'fail',
      reason: 'The container was removed outside NeuroPod',
      exitCode: null,
    })
    expect(observationStep(pod({ compute_active: true }), seen('absent'), live).kind).toBe('fail')
    // Creating, no container yet: a live event says nothing new; a resync (after a crash) re-creates it.
    expect(observationStep(pod(), seen('absent'), live).kind).toBe('ignore')
    expect(observationStep(pod(), seen('absent'), resync)).toEqual({
      kind: 'reset',
      reason: 'Re-creating the container after a restart',
    })
    // The simulation forgets its containers when it restarts: start them again instead of failing.
    expect(
      observationStep(pod({ status: 'running', compute_active: true }), seen('absent'), simulated),
    ).toEqual({
      kind: 'reset',
      reason: 'The simulated runtime restarted; starting the pod again',
    })
    expect(observationStep(pod({ status: 'pending' }), seen('absent'), resync).kind).toBe('ignore')
  })
})

describe('a running container seen again', () => {
  const row = (over: Partial<PodRow> = {}) =>
    ({
      compute_active: true,
      http_services: [{ port: 8080, status: 'ready' }],
      tcp_services: [
        { port: 22, serviceName: 'ssh', isCustom: false, status: 'creating', host: null, hostPort: null },
      ],
      ...over,
    }) as PodRow

  it('starts compute on first sight, with the TCP endpoints it publishes', () => {
    const step = runningStep(
      row({ compute_active: false }),
      seen('running', { tcpEndpoints: [{ port: 22, host: '127.0.0.1', hostPort: 40022 }] }),
    )
    expect(step).toEqual({
      kind: 'start',
      tcp: [
        {
          port: 22,
          serviceName: 'ssh',
          isCustom: false,
          status: 'ready',
          host: '127.0.0.1',
          hostPort: 40022,
        },
      ],
    })
  })

  it('writes only what moved and probes only while a port is not ready', () => {
    expect(runningStep(row(), seen('running'))).toEqual({ kind: 'refresh', tcp: null, probe: false })
    const moved = runningStep(
      row(),
      seen('running', { tcpEndpoints: [{ port: 22, host: 'h', hostPort: 1 }] }),
    )
    expect(moved).toMatchObject({ kind: 'refresh', tcp: [{ status: 'ready', hostPort: 1 }] })
    const waiting = runningStep(
      row({ http_services: [{ port: 8080, status: 'creating' }] as never }),
      seen('running'),
    )
    expect(waiting).toMatchObject({ probe: true })
  })
})
