import type { Config } from '../config.js'
import type { Clock } from '../lib/clock.js'
import type { Logger } from '../lib/logger.js'
import { createKubernetesRuntime, detectKubernetes } from './kubernetes/index.js'
import type { PodRuntime } from './pod-runtime.js'
import { SimulatedRuntime } from './simulated/simulated-runtime.js'

/**
 * Picks the pod runtime: NEUROPOD_RUNTIME when set; otherwise a container engine or cluster that
 * answers; otherwise the simulation, announced loudly (logs, /api/status, the UI banner).
 */
export async function createRuntime(config: Config, clock: Clock, log: Logger): Promise<PodRuntime> {
  const kind = config.runtime ?? ((await detectKubernetes(config, log)) ? 'kubernetes' : 'simulated')
  switch (kind) {
    case 'simulated':
      if (!config.runtime) {
        log.warn(
          {},
          'No container engine or cluster configured: using the SIMULATED runtime (no containers run). Set NEUROPOD_RUNTIME to change it.',
        )
      }
      return new SimulatedRuntime({
        createDelayMs: config.simulation.createDelayMs,
        startDelayMs: config.simulation.startDelayMs,
        clock,
        gpus: config.docker.gpus,
      })
    case 'kubernetes':
      return createKubernetesRuntime(config, clock, log)
    case 'docker':
      throw new Error(`NEUROPOD_RUNTIME=${kind} is not available in this build`)
  }
}
