import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress'
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy'
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim'
import { Pod } from 'kubernetes-models/v1/Pod'
import { Secret } from 'kubernetes-models/v1/Secret'
import { Service } from 'kubernetes-models/v1/Service'
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../src/config.js'
import {
  buildDependents,
  buildEnvSecret,
  buildIngress,
  buildIsolationPolicy,
  buildPlatformService,
  buildPod,
  buildVolumeClaim,
  type ManifestSettings,
} from '../../src/runtime/kubernetes/manifests.js'
import {
  isDns1035Label,
  objectNames,
  podIdFromName,
  safeLabelValue,
} from '../../src/runtime/kubernetes/names.js'
import { DEFAULT_PROFILES, parseProfiles, resolveProfile } from '../../src/runtime/kubernetes/profiles.js'
import { nameRules, type Obj } from '../fakes/kube-api-server.js'
import { podSpec } from './helpers.js'

const settings: ManifestSettings = {
  namespace: 'neuropod',
  podDomain: 'pods.example.org',
  publicUrl: 'https://neuropod.example.org',
  internalUrl: 'http://neuropod.neuropod-system.svc:3000',
  ingressClass: 'nginx',
  tlsSecretName: 'pods-wildcard-tls',
  storageClass: 'fast-ssd',
  volumeAccessMode: 'ReadWriteOnce',
  tcpExposure: 'nodeport',
  profiles: DEFAULT_PROFILES,
  allowRoot: false,
  runAsUser: 1000,
  fsGroup: 1000,
  imagePullSecrets: [],
  terminationGraceSeconds: 15,
  ingressNamespaceSelector: { 'kubernetes.io/metadata.name': 'ingress-nginx' },
  controlPlaneNamespaceSelector: { 'kubernetes.io/metadata.name': 'neuropod-system' },
}
const owner = { name: 'np-0123456789abcdef', uid: '5b0c3c0e-2f47-4d55-9f0a-1b2c3d4e5f60' }
const spec = podSpec({
  podId: '0123456789abcdef',
  slug: 'k3xq9m2z7a',
  startCommand: 'jupyter lab --ip=0.0.0.0 --port=8888',
  httpPorts: [8888, 8188],
  publicHttpPorts: [8188],
  tcpPorts: [22],
  gpu: { type: 'rtx-4090', count: 2, deviceIds: null },
})

/** What client-node puts on the wire: its model spells NetworkPolicy `from` as `_from`. */
function wire(obj: unknown): Obj {
  return JSON.parse(JSON.stringify(obj).replaceAll('"_from":', '"from":')) as Obj
}

describe('names', () => {
  it('derives every name from the pod id, as DNS-1035 labels', () => {
    const names = objectNames('0123456789abcdef')
    const all = [
      names.pod,
      names.volume,
      names.env,
      names.service,
      names.tcpService,
      names.tcpPolicy,
      names.ingress(65535),
    ]
    expect(all).toEqual([
      'np-0123456789abcdef',
      'np-0123456789abcdef-data',
      'np-0123456789abcdef-env',
      'np-0123456789abcdef',
      'np-0123456789abcdef-tcp',
      'np-0123456789abcdef-tcp',
      'np-0123456789abcdef-65535',
    ])
    for (const n of all) expect(isDns1035Label(n)).toBe(true)
    for (const n of all) expect(podIdFromName(n)).toBe('0123456789abcdef')
    expect(podIdFromName('other-app')).toBeNull()
    expect(() => objectNames('My Pod')).toThrow(/Not a pod id/)
  })

  it('hashes a label value it cannot use as is', () => {
    expect(safeLabelValue('2b5e7a52-6f0e-4d4f-9d1c-6a1f0e2f7c11')).toBe(
      '2b5e7a52-6f0e-4d4f-9d1c-6a1f0e2f7c11',
    )
    expect(safeLabelValue('user@example.org')).toMatch(/^h-[0-9a-f]{32}$/)
  })
})

describe('manifests', () => {
  const pod = buildPod(spec, settings)
  const container = pod.spec!.containers[0]!

  it('builds a pod that passes the Kubernetes schemas and name rules', () => {
    const objects: [Obj, (o: Obj) => void, string][] = [
      [wire(pod), (o) => new Pod(o as never).validate(), 'pods'],
      [
        wire(buildVolumeClaim(spec.volume, settings)),
        (o) => new PersistentVolumeClaim(o as never).validate(),
        'persistentvolumeclaims',
      ],
      [wire(buildEnvSecret(spec, settings, owner)), (o) => new Secret(o as never).validate(), 'secrets'],
      [
        wire(buildIsolationPolicy(settings)),
        (o) => new NetworkPolicy(o as never).validate(),
        'networkpolicies',
      ],
      [wire(buildPlatformService(settings)), (o) => new Service(o as never).validate(), 'services'],
    ]
    const deps = buildDependents(spec, settings, owner)
    for (const s of deps.services)
      objects.push([wire(s), (o) => new Service(o as never).validate(), 'services'])
    for (const i of deps.ingresses)
      objects.push([wire(i), (o) => new Ingress(o as never).validate(), 'ingresses'])
    for (const p of deps.policies)
      objects.push([wire(p), (o) => new NetworkPolicy(o as never).validate(), 'networkpolicies'])
    expect(objects).toHaveLength(10)
    for (const [obj, validate, resource] of objects) {
      expect(() => validate(obj)).not.toThrow()
      expect(nameRules(resource, obj)).toEqual([])
    }
  })

  it('runs the workload non-root, unprivileged, without a deadline or a service-account token', () => {
    expect(pod.spec).toMatchObject({
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: 15,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 1000,
        runAsGroup: 1000,
        fsGroup: 1000,
        seccompProfile: { type: 'RuntimeDefault' },
      },
    })
    expect(pod.spec!.activeDeadlineSeconds).toBeUndefined()
    expect(pod.spec!.hostNetwork).toBeUndefined()
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ['ALL'] },
    })
    expect(JSON.stringify(pod)).not.toContain('SYS_ADMIN')
    const root = buildPod(spec, { ...settings, allowRoot: true })
    expect(root.spec!.securityContext).toEqual({
      fsGroupChangePolicy: 'OnRootMismatch',
      seccompProfile: { type: 'RuntimeDefault' },
    })
    expect(root.spec!.containers[0]!.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      privileged: false,
    })
  })

  it('passes the command to /bin/sh and every environment value through the Secret', () => {
    expect(container.command).toEqual(['/bin/sh', '-c', 'jupyter lab --ip=0.0.0.0 --port=8888'])
    expect(container.args).toBeUndefined()
    expect(container.env).toEqual(
      Object.keys(spec.env)
        .sort()
        .map((name) => ({
          name,
          valueFrom: { secretKeyRef: { name: 'np-0123456789abcdef-env', key: name } },
        })),
    )
    expect(JSON.stringify(pod)).not.toContain('secret-token-value')
    expect(buildEnvSecret(spec, settings, owner).stringData).toEqual(spec.env)
    expect(buildPod({ ...spec, startCommand: null }, settings).spec!.containers[0]!.command).toBeUndefined()
  })

  it('gives the pod the GPU type profile: devices, per-GPU CPU and memory, node selector, toleration', () => {
    expect(container.resources).toEqual({
      requests: { cpu: '4', memory: '16Gi', 'nvidia.com/gpu': '2' },
      limits: { cpu: '16', memory: '32Gi', 'ephemeral-storage': '20Gi', 'nvidia.com/gpu': '2' },
    })
    expect(pod.spec!.nodeSelector).toEqual({ 'neuropod.io/gpu-type': 'rtx-4090' })
    expect(pod.spec!.tolerations).toEqual([
      { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
    ])
    expect(pod.spec!.volumes).toEqual([
      { name: 'data', persistentVolumeClaim: { claimName: 'np-0123456789abcdef-data' } },
      { name: 'shm', emptyDir: { medium: 'Memory', sizeLimit: '2Gi' } },
    ])
    expect(container.volumeMounts).toContainEqual({ name: 'data', mountPath: '/workspace' })

    const cpuOnly = buildPod({ ...spec, gpu: null }, settings)
    expect(cpuOnly.spec!.containers[0]!.resources).toEqual({
      requests: { cpu: '500m', memory: '1Gi' },
      limits: { cpu: '2', memory: '4Gi', 'ephemeral-storage': '20Gi' },
    })
    expect(cpuOnly.spec!.tolerations).toBeUndefined()
    expect(cpuOnly.spec!.nodeSelector).toBeUndefined()
  })

  it('labels every object with managed-by, pod id and user id, and never with user text', () => {
    for (const obj of [pod, ...buildDependents(spec, settings, owner).ingresses]) {
      expect(obj.metadata!.labels).toMatchObject({
        'app.kubernetes.io/managed-by': 'neuropod',
        'neuropod.io/pod-id': '0123456789abcdef',
        'neuropod.io/user-id': spec.userId,
      })
    }
  })

  it("builds a volume claim that belongs to the user's volume, not to a pod", () => {
    const volume = {
      volumeId: 'fedcba9876543210',
      name: 'np-vol-fedcba9876543210',
      userId: spec.userId,
      sizeGb: 10,
    }
    const claim = buildVolumeClaim(volume, { ...settings, volumeAccessMode: 'ReadWriteMany' })
    expect(claim).toMatchObject({
      metadata: {
        name: 'np-vol-fedcba9876543210',
        labels: {
          'app.kubernetes.io/managed-by': 'neuropod',
          'neuropod.io/volume-id': 'fedcba9876543210',
          'neuropod.io/user-id': spec.userId,
          'neuropod.io/component': 'volume',
        },
      },
      spec: {
        accessModes: ['ReadWriteMany'],
        resources: { requests: { storage: '10Gi' } },
        storageClassName: 'fast-ssd',
      },
    })
    expect(claim.metadata!.labels!['neuropod.io/pod-id']).toBeUndefined()
    expect(claim.metadata!.ownerReferences).toBeUndefined()
    expect(pod.spec!.volumes![0]).toEqual({
      name: 'data',
      persistentVolumeClaim: { claimName: spec.volume.name },
    })
  })

  it('checks every port with the platform, sends only private ports to sign in, and routes the hand-over to the platform', () => {
    const priv = buildIngress(spec, 8888, settings, owner)
    expect(priv.metadata!.annotations).toMatchObject({
      'neuropod.io/access': 'private',
      'nginx.ingress.kubernetes.io/auth-url': 'http://neuropod.neuropod-system.svc:3000/api/proxy/auth',
      'nginx.ingress.kubernetes.io/auth-signin':
        'https://neuropod.example.org/api/proxy/signin?rd=$scheme://$host$escaped_request_uri',
      'nginx.ingress.kubernetes.io/auth-response-headers': 'Cookie, Authorization',
      'nginx.ingress.kubernetes.io/proxy-read-timeout': '3600',
      'nginx.ingress.kubernetes.io/proxy-send-timeout': '3600',
    })
    expect(priv.spec).toEqual({
      ingressClassName: 'nginx',
      tls: [{ hosts: ['k3xq9m2z7a-8888.pods.example.org'], secretName: 'pods-wildcard-tls' }],
      rules: [
        {
          host: 'k3xq9m2z7a-8888.pods.example.org',
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: 'np-0123456789abcdef', port: { number: 8888 } } },
              },
              {
                path: '/__neuropod/',
                pathType: 'Prefix',
                backend: { service: { name: 'neuropod-platform', port: { number: 3000 } } },
              },
            ],
          },
        },
      ],
    })
    expect(priv.metadata!.ownerReferences).toEqual([
      { apiVersion: 'v1', kind: 'Pod', name: owner.name, uid: owner.uid, controller: true },
    ])
    const pub = buildIngress(spec, 8188, settings, owner)
    expect(pub.metadata!.annotations!['neuropod.io/access']).toBe('public')
    // Public ports are checked too (everyone passes), so the platform's cookies never reach the pod.
    expect(pub.metadata!.annotations).toMatchObject({
      'nginx.ingress.kubernetes.io/auth-url': 'http://neuropod.neuropod-system.svc:3000/api/proxy/auth',
      'nginx.ingress.kubernetes.io/auth-response-headers': 'Cookie, Authorization',
    })
    expect(pub.metadata!.annotations).not.toHaveProperty('nginx.ingress.kubernetes.io/auth-signin')
    expect(buildPlatformService(settings)).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'neuropod-platform',
        namespace: settings.namespace,
        labels: { 'app.kubernetes.io/managed-by': 'neuropod', 'neuropod.io/component': 'platform' },
      },
      spec: {
        type: 'ExternalName',
        externalName: 'neuropod.neuropod-system.svc',
        ports: [{ name: 'http', port: 3000, targetPort: 3000, protocol: 'TCP' }],
      },
    })
    expect(buildIngress(spec, 8888, { ...settings, tlsSecretName: null }, owner).spec!.tls).toBeUndefined()
  })

  it('exposes TCP ports through NodePort or LoadBalancer and admits outside traffic to them only', () => {
    const deps = buildDependents(spec, settings, owner)
    expect(
      deps.services.map((s) => [s.metadata!.name, s.spec!.type, s.spec!.ports!.map((p) => p.port)]),
    ).toEqual([
      ['np-0123456789abcdef', 'ClusterIP', [8888, 8188]],
      ['np-0123456789abcdef-tcp', 'NodePort', [22]],
    ])
    expect(
      buildDependents(spec, { ...settings, tcpExposure: 'loadbalancer' }, owner).services[1]!.spec!.type,
    ).toBe('LoadBalancer')
    expect(deps.policies[0]!.spec).toEqual({
      podSelector: {
        matchLabels: { 'app.kubernetes.io/managed-by': 'neuropod', 'neuropod.io/pod-id': '0123456789abcdef' },
      },
      policyTypes: ['Ingress'],
      ingress: [{ ports: [{ port: 22, protocol: 'TCP' }] }],
    })
    expect(buildDependents({ ...spec, tcpPorts: [] }, settings, owner).policies).toEqual([])
  })

  it('isolates pods: in from the ingress controller and control plane only, out except the metadata address', () => {
    expect(wire(buildIsolationPolicy(settings)).spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/managed-by': 'neuropod' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        {
          from: [
            { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'neuropod-system' } },
              podSelector: {
                matchLabels: {
                  'app.kubernetes.io/name': 'neuropod',
                  'app.kubernetes.io/component': 'control-plane',
                },
              },
            },
          ],
        },
      ],
      egress: [
        { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['169.254.169.254/32'] } }] },
        { to: [{ ipBlock: { cidr: '::/0', except: ['fd00:ec2::254/128'] } }] },
      ],
    })
  })
})

describe('GPU type mappings (the recipes of docs/operations/kubernetes-gpus.md)', () => {
  const recipes = {
    // NVIDIA device plugin, whole GPUs, nodes picked by GPU feature discovery's product label
    'rtx-4090': {
      nodeSelector: { 'nvidia.com/gpu.product': 'NVIDIA-GeForce-RTX-4090' },
      runtimeClassName: 'nvidia',
    },
    // time-slicing with renameByDefault: the shared replicas are a resource of their own
    't4-shared': {
      resourceName: 'nvidia.com/gpu.shared',
      nodeSelector: { 'nvidia.com/gpu.product': 'Tesla-T4-SHARED' },
    },
    // MIG, mixed strategy: one 3g.20gb slice of an A100
    'a100-3g': {
      resourceName: 'nvidia.com/mig-3g.20gb',
      nodeSelector: { 'nvidia.com/mig.config': 'all-balanced' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'mig', effect: 'NoSchedule' }],
    },
    // HAMi: 8000 MiB and 30 % of the cores of one GPU, placed by HAMi's scheduler
    'rtx-4090-hami': {
      extraResources: { 'nvidia.com/gpumem': '8000', 'nvidia.com/gpucores': '30' },
      schedulerName: 'hami-scheduler',
      nodeSelector: { gpu: 'on' },
    },
  }
  const parsed = parseProfiles(JSON.stringify(recipes))
  if (!('profiles' in parsed)) throw new Error(parsed.problems.join('; '))
  const mapped = { ...settings, profiles: parsed.profiles }
  const podFor = (type: string, count = 1) =>
    buildPod({ ...spec, gpu: { type, count, deviceIds: null } }, mapped)

  it('each mapping gives the pod the right resources, selectors, tolerations, scheduler and runtime class, accepted by the schemas', () => {
    const expected = {
      'rtx-4090': {
        gpu: { 'nvidia.com/gpu': '2' },
        nodeSelector: { 'nvidia.com/gpu.product': 'NVIDIA-GeForce-RTX-4090' },
        runtimeClassName: 'nvidia',
        schedulerName: undefined,
        tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
      },
      't4-shared': {
        gpu: { 'nvidia.com/gpu.shared': '2' },
        nodeSelector: { 'nvidia.com/gpu.product': 'Tesla-T4-SHARED' },
        runtimeClassName: undefined,
        schedulerName: undefined,
        tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
      },
      'a100-3g': {
        gpu: { 'nvidia.com/mig-3g.20gb': '2' },
        nodeSelector: { 'nvidia.com/mig.config': 'all-balanced' },
        runtimeClassName: undefined,
        schedulerName: undefined,
        tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'mig', effect: 'NoSchedule' }],
      },
      'rtx-4090-hami': {
        gpu: { 'nvidia.com/gpu': '2', 'nvidia.com/gpumem': '8000', 'nvidia.com/gpucores': '30' },
        nodeSelector: { gpu: 'on' },
        runtimeClassName: undefined,
        schedulerName: 'hami-scheduler',
        tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
      },
    }
    for (const [type, want] of Object.entries(expected)) {
      const pod = podFor(type, 2)
      expect(() => new Pod(wire(pod) as never).validate(), type).not.toThrow()
      const resources = pod.spec!.containers[0]!.resources!
      expect(resources.limits, type).toEqual({
        cpu: '16',
        memory: '32Gi',
        'ephemeral-storage': '20Gi',
        ...want.gpu,
      })
      expect(resources.requests, type).toEqual({ cpu: '4', memory: '16Gi', ...want.gpu })
      expect(pod.spec!.nodeSelector, type).toEqual(want.nodeSelector)
      expect(pod.spec!.tolerations, type).toEqual(want.tolerations)
      expect(pod.spec!.runtimeClassName, type).toBe(want.runtimeClassName)
      expect(pod.spec!.schedulerName, type).toBe(want.schedulerName)
    }
    // A pod without a GPU gets none of it.
    const cpuOnly = buildPod({ ...spec, gpu: null }, mapped)
    expect(cpuOnly.spec!.schedulerName).toBeUndefined()
    expect(cpuOnly.spec!.containers[0]!.resources!.limits).not.toHaveProperty('nvidia.com/gpumem')
  })

  it('refuses a bad scheduler name or extra resource', () => {
    const parsedBad = parseProfiles(
      JSON.stringify({
        x: { schedulerName: 'Not A Name', extraResources: { gpumem: '8000', 'nvidia.com/gpucores': 'lots' } },
      }),
    )
    expect('problems' in parsedBad && parsedBad.problems).toEqual([
      'x.schedulerName must be the name of a scheduler (e.g. hami-scheduler) or null',
      'x.extraResources must map extended resource names (other than resourceName) to quantities, e.g. {"nvidia.com/gpumem": "8000"}',
    ])
  })
})

describe('profiles', () => {
  it('merges a partial configuration over the defaults', () => {
    const parsed = parseProfiles(
      JSON.stringify({
        cpu: { memory: '2Gi' },
        default: { runtimeClassName: 'nvidia' },
        'rtx-4090': { nodeSelector: { 'nvidia.com/gpu.product': 'NVIDIA-GeForce-RTX-4090' }, cpu: '4' },
        'a100-mig': { resourceName: 'nvidia.com/mig-1g.10gb', memory: '12Gi', memoryLimit: '12Gi' },
      }),
    )
    if (!('profiles' in parsed)) throw new Error(parsed.problems.join('; '))
    const { profiles } = parsed
    expect(profiles.cpu.memory).toBe('2Gi')
    expect(profiles.gpuTypes['rtx-4090']).toMatchObject({
      cpu: '4',
      cpuLimit: '8',
      runtimeClassName: 'nvidia',
    })
    expect(resolveProfile(profiles, { type: 'rtx-4090', count: 1 }).nodeSelector).toEqual({
      'nvidia.com/gpu.product': 'NVIDIA-GeForce-RTX-4090',
    })
    expect(resolveProfile(profiles, { type: 'l4', count: 3 })).toMatchObject({
      nodeSelector: { 'neuropod.io/gpu-type': 'l4' },
      cpu: '6',
      memory: '24Gi',
    })
    expect(resolveProfile(profiles, { type: 'a100-mig', count: 1 }).resourceName).toBe(
      'nvidia.com/mig-1g.10gb',
    )
  })

  it('lists every problem of a bad configuration, naming the variable', () => {
    const bad = parseProfiles(
      JSON.stringify({
        cpu: { cpu: 'lots', memory: '8Gi', memoryLimit: '4Gi' },
        'RTX 4090': {},
        l4: { tolerations: [{ key: 'x', operator: 'Maybe' }], colour: 'green' },
      }),
    )
    expect('problems' in bad && bad.problems).toEqual([
      'cpu.cpu must be a CPU quantity such as "500m" or "4"',
      'cpu.memory must not exceed memoryLimit',
      'key "RTX 4090" is neither "cpu", "default" nor a GPU type id such as rtx-4090',
      expect.stringMatching(/^l4\.colour is not a profile field/),
      expect.stringMatching(/^l4\.tolerations must be a list/),
    ])
    expect(() => loadConfig({ NEUROPOD_K8S_PROFILES: '{"cpu": 1}' })).toThrow(ConfigError)
    expect(() => loadConfig({ NEUROPOD_K8S_PROFILES: 'not json' })).toThrow(
      /NEUROPOD_K8S_PROFILES: is not valid JSON/,
    )
    expect(() => loadConfig({ NEUROPOD_NAMESPACE: 'Bad_Namespace' })).toThrow(/NEUROPOD_NAMESPACE/)
    expect(() => loadConfig({ NEUROPOD_K8S_TCP_EXPOSURE: 'hostport' })).toThrow(/NEUROPOD_K8S_TCP_EXPOSURE/)
  })

  it('reads the Kubernetes settings with their defaults', () => {
    const k = loadConfig({ PUBLIC_URL: 'https://np.example.org' }).kubernetes
    expect(k).toMatchObject({
      namespace: 'neuropod',
      ingressClass: 'nginx',
      internalUrl: 'https://np.example.org',
      tcpExposure: 'nodeport',
      probeVia: 'service',
      allowRoot: false,
      networkPolicy: true,
      ingressNamespaceSelector: { 'kubernetes.io/metadata.name': 'ingress-nginx' },
      controlPlaneNamespaceSelector: null,
    })
    expect(loadConfig({ NAMESPACE: 'gpu-pods' }).kubernetes.namespace).toBe('gpu-pods')
  })
})
