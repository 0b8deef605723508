import type { Config } from '../config.js'
import type { Clock } from '../lib/clock.js'
import type { Logger } from '../lib/logger.js'
import { DockerRuntime } from './docker/docker-runtime.js'
import { connectEngine, type EngineTarget, engineCandidates, findEngine } from './docker/engine.js'
import { createKubernetesRuntime, detectKubernetes } from './kubernetes/index.js'
import type { PodRuntime } from './pod-runtime.js'
import { SimulatedRuntime } from './simulated/simulated-runtime.js'
import type { SimulationStore } from './simulated/simulation-store.js'

export interface RuntimeContext {
  /** This installation's id: runtime objects are labelled with it (several may share an engine) */
  instanceId: string
  publicUrl: string
  /** Where the simulation keeps its state across restarts (the platform's database) */
  simulationStore?: SimulationStore
}

/** How long auto-detection waits for an engine to answer a ping */
const DETECT_TIMEOUT_MS = 1500

/**
 * Picks the pod runtime: NEUROPOD_RUNTIME when set; otherwise a container engine or cluster that
 * answers; otherwise the simulation, announced loudly (logs, /api/status, the UI banner).
 */
export async function createRuntime(
  config: Config,
  clock: Clock,
  log: Logger,
  context: RuntimeContext,
): Promise<PodRuntime> {
  // Unset: a cluster explicitly configured (KUBECONFIG, or running in one), else an engine that
  // answers, else the simulation.
  let kind = config.runtime
  let docker: Awaited<ReturnType<typeof detectDocker>> = null
  if (!kind && (await detectKubernetes(config, log))) kind = 'kubernetes'
  if (!kind) {
    docker = await detectDocker(config)
    if (docker) kind = 'docker'
  }
  switch (kind ?? 'simulated') {
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
        ...(context.simulationStore ? { store: context.simulationStore } : {}),
      })
    case 'docker': {
      // Explicitly chosen but nothing answers yet: use the configured (or first usual) address
      // and report the engine as unreachable until it comes up.
      docker ??= (await detectDocker(config)) ?? fallbackEngine(config)
      log.info({ engine: docker.target.address, source: docker.target.source }, 'pod runtime: docker engine')
      return new DockerRuntime({
        docker: docker.docker,
        target: docker.target,
        instanceId: context.instanceId,
        settings: config.docker,
        publicUrl: context.publicUrl,
        log,
      })
    }
    case 'kubernetes':
      return createKubernetesRuntime(config, clock, log)
  }
}

/** A Docker or Podman engine that answers a ping on the configured or a usual socket, or null. */
async function detectDocker(config: Config) {
  return findEngine(config.docker, DETECT_TIMEOUT_MS)
}

function fallbackEngine(config: Config): { target: EngineTarget; docker: ReturnType<typeof connectEngine> } {
  const target = engineCandidates(config.docker)[0]!
  return { target, docker: connectEngine(target) }
}
