import type { ContainerCreateOptions, VolumeCreateOptions } from 'dockerode'
import type { PodSpec, VolumeSpec } from '../pod-runtime.js'
import { containerName, podLabels, volumeLabels } from './names.js'
import { limitFor, type ResourceLimits } from './resource-limits.js'

/**
 * Pure builders of what the engine is asked to create for a pod, tested as data
 * (container-spec.test.ts). No I/O here: the runtime passes the result to the engine unchanged.
 */

export type GpuMode = 'nvidia' | 'cdi' | 'env'

export interface ContainerSpecOptions {
  instanceId: string
  /** Host address HTTP ports are published on (loopback by default: only the platform reaches them) */
  bindAddress: string
  /** Host address TCP ports are published on (users connect to these directly) */
  tcpBindAddress: string
  gpuMode: GpuMode
  limits: ResourceLimits
  /** Ask for these host ports (container port → host port) to keep TCP ports stable across restarts */
  preferredHostPorts?: Record<number, number>
  /** Apply the container disk size as a storage quota (needs overlay on xfs with pquota, or btrfs) */
  diskQuota?: boolean
}

/** Labels that let `list()` rebuild a pod's observation (which ports are TCP) from the engine alone. */
export const LABEL_HTTP_PORTS = 'io.neuropod.http-ports'
export const LABEL_TCP_PORTS = 'io.neuropod.tcp-ports'

const SHM_DEFAULT = 1024 ** 3 // PyTorch data loaders need far more than the engine's 64 MB

/** A user's volume: labelled with its own id, not a pod's, since it moves between pods. */
export function buildVolumeSpec(volume: VolumeSpec, instanceId: string): VolumeCreateOptions {
  return { Name: volume.name, Labels: volumeLabels(instanceId, volume.volumeId, volume.userId) }
}

export function buildContainerSpec(spec: PodSpec, options: ContainerSpecOptions): ContainerCreateOptions {
  const ports = [...spec.httpPorts, ...spec.tcpPorts]
  const portBindings: Record<string, { HostIp: string; HostPort: string }[]> = {}
  for (const port of spec.httpPorts)
    portBindings[`${port}/tcp`] = [{ HostIp: options.bindAddress, HostPort: '' }]
  for (const port of spec.tcpPorts) {
    const preferred = options.preferredHostPorts?.[port]
    portBindings[`${port}/tcp`] = [
      { HostIp: options.tcpBindAddress, HostPort: preferred ? String(preferred) : '' },
    ]
  }

  const limit = limitFor(options.limits, spec.gpu)
  const deviceIds = spec.gpu?.deviceIds ?? []
  const env: Record<string, string> = {
    ...spec.env,
    // Set by the platform last so user env cannot widen it. `void` hides every GPU from a pod that
    // has none even when the nvidia runtime is the engine's default and the image asks for `all`.
    NVIDIA_VISIBLE_DEVICES: deviceIds.length > 0 ? deviceIds.join(',') : 'void',
  }
  if (deviceIds.length > 0 && !env.NVIDIA_DRIVER_CAPABILITIES)
    env.NVIDIA_DRIVER_CAPABILITIES = 'compute,utility'

  const hostConfig: NonNullable<ContainerCreateOptions['HostConfig']> = {
    PortBindings: portBindings,
    Mounts: [{ Type: 'volume', Source: spec.volume.name, Target: spec.volumePath }],
    // The platform decides what happens after an exit (the pod shows the exit code); an engine
    // restart policy would fight the reconciler.
    RestartPolicy: { Name: 'no' },
    ShmSize: limit.memoryBytes ? Math.min(SHM_DEFAULT, Math.floor(limit.memoryBytes / 2)) : SHM_DEFAULT,
  }
  if (limit.memoryBytes) {
    hostConfig.Memory = limit.memoryBytes
    hostConfig.MemorySwap = limit.memoryBytes // no swap on top of the limit
  }
  if (limit.cpus) hostConfig.NanoCpus = Math.round(limit.cpus * 1e9)
  if (deviceIds.length > 0 && options.gpuMode === 'nvidia') {
    hostConfig.DeviceRequests = [{ Driver: 'nvidia', DeviceIDs: deviceIds, Capabilities: [['gpu']] }]
  } else if (deviceIds.length > 0 && options.gpuMode === 'cdi') {
    hostConfig.Devices = deviceIds.map((id) => ({
      PathOnHost: `nvidia.com/gpu=${id}`,
      PathInContainer: '',
      CgroupPermissions: 'rwm',
    }))
  }
  if (options.diskQuota) hostConfig.StorageOpt = { size: `${spec.containerDiskGb}G` }

  return {
    name: containerName(spec.podId),
    Image: withDefaultTag(spec.image),
    Hostname: spec.slug,
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    ...(spec.startCommand ? { Entrypoint: ['/bin/sh', '-c'], Cmd: [spec.startCommand] } : {}),
    Labels: {
      ...podLabels(options.instanceId, spec.podId, spec.userId, 'workload'),
      [LABEL_HTTP_PORTS]: spec.httpPorts.join(','),
      [LABEL_TCP_PORTS]: spec.tcpPorts.join(','),
    },
    ExposedPorts: Object.fromEntries(ports.map((p) => [`${p}/tcp`, {}])),
    Tty: false,
    OpenStdin: false,
    HostConfig: hostConfig,
  }
}

/**
 * `busybox` → `busybox:latest`. Without a tag the engine's pull endpoint fetches every tag of the
 * repository; a digest or a tag is kept as is.
 */
export function withDefaultTag(image: string): string {
  if (image.includes('@')) return image
  const lastSlash = image.lastIndexOf('/')
  return image.slice(lastSlash + 1).includes(':') ? image : `${image}:latest`
}

/** `8888,22` label → [8888, 22] */
export function portsFromLabel(value: string | undefined): number[] {
  if (!value) return []
  return value
    .split(',')
    .map((p) => Number(p))
    .filter((p) => Number.isInteger(p) && p > 0 && p < 65536)
}
