import { loadConfig } from '../../src/config.js'
import { systemClock } from '../../src/lib/clock.js'
import { silentLogger } from '../../src/lib/logger.js'
import { createKubernetesRuntime } from '../../src/runtime/kubernetes/index.js'
import type {
  KubernetesRuntime,
  KubernetesRuntimeOptions,
} from '../../src/runtime/kubernetes/kubernetes-runtime.js'
import type { PodObservation, PodSpec, RuntimeEvent, RuntimeListener } from '../../src/runtime/pod-runtime.js'
import type { FakeKubeApiServer } from '../fakes/kube-api-server.js'

/** What a reconciler would hear from the runtime, kept for assertions. */
export class RecordingListener implements RuntimeListener {
  readonly observations: PodObservation[] = []
  readonly events: RuntimeEvent[] = []
  readonly connectivityChanges: boolean[] = []
  resyncs = 0
  isActive = true
  private waiters: (() => void)[] = []

  observed(o: PodObservation): void {
    this.observations.push(o)
    this.wake()
  }
  event(e: RuntimeEvent): void {
    this.events.push(e)
    this.wake()
  }
  resync(): void {
    this.resyncs++
    this.wake()
  }
  connectivity(reachable: boolean): void {
    this.connectivityChanges.push(reachable)
    this.wake()
  }

  /** The first observation of the pod in `phase` (later ones may already have replaced it). */
  seen(podId: string, phase: PodObservation['phase']): PodObservation | undefined {
    return this.observations.find((o) => o.podId === podId && o.phase === phase)
  }

  last(podId: string): PodObservation | undefined {
    return this.observations.filter((o) => o.podId === podId).at(-1)
  }

  /** Resolves once `check` holds (re-checked at every report), or fails after `timeoutMs`. */
  async until<T>(
    check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
    timeoutMs = 5000,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const value = await check()
      if (value) return value
      const left = deadline - Date.now()
      if (left <= 0) throw new Error('condition not reached in time')
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 50))
        this.waiters.push(() => {
          clearTimeout(t)
          resolve()
        })
      })
    }
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w()
  }
}

export function kubeEnv(fake: FakeKubeApiServer, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NEUROPOD_RUNTIME: 'kubernetes',
    KUBECONFIG: fake.kubeconfigPath,
    NEUROPOD_NAMESPACE: 'neuropod',
    POD_DOMAIN: 'pods.example.org',
    PUBLIC_URL: 'https://neuropod.example.org',
    NEUROPOD_INTERNAL_URL: 'http://neuropod.neuropod-system.svc:3000',
    TLS_SECRET_NAME: 'pods-wildcard-tls',
    INGRESS_CLASS: 'nginx',
    ...extra,
  }
}

export function runtimeFor(
  fake: FakeKubeApiServer,
  env: Record<string, string> = {},
  overrides: Partial<KubernetesRuntimeOptions> = {},
): KubernetesRuntime {
  const config = loadConfig({ ...kubeEnv(fake), ...env })
  return createKubernetesRuntime(config, systemClock, silentLogger, {
    watchTimeoutSeconds: [30, 30],
    orphanMinAgeMs: 0,
    ...overrides,
  })
}

let counter = 0

export function podSpec(overrides: Partial<PodSpec> = {}): PodSpec {
  counter++
  const podId = (Date.now().toString(16) + counter.toString(16).padStart(6, '0')).slice(-16).padStart(16, 'a')
  return {
    podId,
    slug: `s${podId.slice(-9)}`.replace(/[^a-z0-9]/g, 'a'),
    userId: '2b5e7a52-6f0e-4d4f-9d1c-6a1f0e2f7c11',
    image: 'jupyter/base-notebook:latest',
    env: { JUPYTER_TOKEN: 'secret-token-value', NEUROPOD_POD_ID: podId, MY_SETTING: 'x' },
    startCommand: null,
    httpPorts: [8888],
    publicHttpPorts: [],
    tcpPorts: [],
    volumePath: '/workspace',
    volumeSizeGb: 10,
    // A volume named the way volumes made before ADR 0016 are (the pod's), unless a test passes one.
    volume: {
      volumeId: overrides.podId ?? podId,
      name: `np-${overrides.podId ?? podId}-data`,
      userId: overrides.userId ?? '2b5e7a52-6f0e-4d4f-9d1c-6a1f0e2f7c11',
      sizeGb: 10,
    },
    containerDiskGb: 20,
    gpu: null,
    jupyter: { token: 'secret-token-value', port: 8888 },
    ...overrides,
  }
}
