import type { LogLineOut } from '../pod-runtime.js'

/**
 * Where the simulated runtime keeps its state, as a real engine keeps its containers and volumes:
 * a control-plane restart finds simulated pods still "running", with the same start time and
 * logs, and their volumes still there (ADR 0007). The platform stores it in its database
 * (simulated-pods.repository.ts), which every replica shares; without a store (runtime tests
 * that construct the simulation directly) it lives in memory only.
 */

/** What the simulation shows of a pod's spec: never its environment, which holds secrets. */
export interface SimulatedContainer {
  phase: 'pending' | 'creating' | 'running' | 'exited'
  reason: string | null
  exitCode: number | null
  /** ISO time the container "started" */
  startedAt: string | null
  image: string
  slug: string
  httpPorts: number[]
  startCommand: string | null
  jupyterPort: number | null
  gpu: { type: string; count: number; deviceIds: string[] | null } | null
  containerDiskGb: number
}

export interface SimulatedPodRecord {
  podId: string
  volume: { sizeGb: number; path: string } | null
  container: SimulatedContainer | null
  logs: LogLineOut[]
}

export interface SimulationStore {
  load(): Promise<SimulatedPodRecord[]>
  save(record: SimulatedPodRecord): Promise<void>
  remove(podId: string): Promise<void>
}

/** No persistence: the simulation forgets everything when the process ends. */
export class MemorySimulationStore implements SimulationStore {
  private readonly records = new Map<string, SimulatedPodRecord>()

  async load(): Promise<SimulatedPodRecord[]> {
    return [...this.records.values()].map((r) => structuredClone(r))
  }

  async save(record: SimulatedPodRecord): Promise<void> {
    this.records.set(record.podId, structuredClone(record))
  }

  async remove(podId: string): Promise<void> {
    this.records.delete(podId)
  }
}
