import type { PodObservation } from '../pod-runtime.js'
import { absentObservation } from './observations.js'

/**
 * What the Docker adapter's write half (container-lifecycle.ts) shares with its watch and read
 * halves: the creations in flight (a container being pulled/created/started in the background)
 * and why the last creation of a pod failed.
 */

export interface Creation {
  abort: AbortController
  reason: string
  done: Promise<void>
}

export interface CreationState {
  creation(podId: string): Creation | undefined
  failure(podId: string): string | undefined
  creations(): IterableIterator<[string, Creation]>
  failures(): IterableIterator<[string, string]>
  /** Whether this process was asked to run the pod (never an orphan then) */
  tracks(podId: string): boolean
}

export function creatingObservation(podId: string, creation: Creation): PodObservation {
  return { ...absentObservation(podId), phase: 'creating', reason: creation.reason }
}
