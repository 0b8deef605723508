import { describe, expect, it } from 'vitest'
import type { PodObservation } from '../../runtime/pod-runtime.js'
import type { PodSummary } from '../pods.repository.js'
import { absent, resyncPlan } from './resync.js'

const pod = (
  id: string,
  status: PodSummary['status'],
  desired: PodSummary['desired_state'],
  compute = false,
) => ({
  id,
  status,
  desired_state: desired,
  compute_active: compute,
})
const seen = (podId: string, phase: PodObservation['phase']): PodObservation => ({ ...absent(podId), phase })

describe('resync plan', () => {
  it('re-drives what is in flight and re-checks what the runtime should be running', () => {
    const plan = resyncPlan(
      [
        pod('pending', 'pending', 'running'),
        pod('running', 'running', 'running', true),
        pod('gone', 'creating', 'running'),
        pod('stopping', 'stopping', 'stopped'),
        pod('deleting', 'deleting', 'deleted'),
        pod('failed', 'error', 'running'),
      ],
      new Map([['running', seen('running', 'running')]]),
    )
    expect(plan).toEqual([
      { kind: 'reconcile', podId: 'pending' },
      { kind: 'observe', podId: 'running', observation: seen('running', 'running') },
      { kind: 'observe', podId: 'gone', observation: absent('gone') },
      { kind: 'reconcile', podId: 'stopping' },
      { kind: 'reconcile', podId: 'deleting' },
    ])
  })

  it('finishes a half-made container and an interrupted stop', () => {
    const plan = resyncPlan(
      [
        pod('half', 'creating', 'running'),
        pod('stopped', 'stopped', 'stopped'),
        pod('quiet', 'stopped', 'stopped'),
      ],
      new Map([
        ['half', seen('half', 'creating')],
        ['stopped', seen('stopped', 'running')],
      ]),
    )
    expect(plan).toEqual([
      { kind: 'observe', podId: 'half', observation: seen('half', 'creating') },
      { kind: 'reconcile', podId: 'half' },
      { kind: 'finish-stop', podId: 'stopped' },
    ])
  })
})
