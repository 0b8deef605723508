import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../config.js'
import type { PodSpec } from '../pod-runtime.js'
import { buildContainerSpec, buildVolumeSpec, portsFromLabel, withDefaultTag } from './container-spec.js'
import { engineCandidates } from './engine.js'
import { containerName, legacyVolumeName, podIdFromName, volumeName } from './names.js'
import { limitFor, parseMemory, parseResourceLimits } from './resource-limits.js'

const spec: PodSpec = {
  podId: '0123456789abcdef',
  slug: 'k3x9q2',
  userId: 'user-1',
  image: 'jupyter/base-notebook',
  env: { A: '1', NVIDIA_VISIBLE_DEVICES: 'all', JUPYTER_TOKEN: 'secret-token' },
  startCommand: 'jupyter lab --ip=0.0.0.0',
  httpPorts: [8888, 8080],
  tcpPorts: [22],
  volumePath: '/workspace',
  volumeSizeGb: 20,
  volume: {
    volumeId: 'fedcba9876543210',
    name: 'neuropod-vol-fedcba9876543210',
    userId: 'user-1',
    sizeGb: 20,
  },
  containerDiskGb: 10,
  gpu: null,
  jupyter: { token: 'secret-token', port: 8888 },
}

const options = {
  instanceId: 'inst1',
  bindAddress: '127.0.0.1',
  tcpBindAddress: '0.0.0.0',
  gpuMode: 'nvidia' as const,
  limits: {},
}

describe('container spec', () => {
  it('names, labels, mounts, publishes and runs the pod as data', () => {
    const body = buildContainerSpec(spec, options)
    expect(body).toEqual({
      name: 'neuropod-0123456789abcdef',
      Image: 'jupyter/base-notebook:latest',
      Hostname: 'k3x9q2',
      Env: ['A=1', 'NVIDIA_VISIBLE_DEVICES=void', 'JUPYTER_TOKEN=secret-token'],
      Entrypoint: ['/bin/sh', '-c'],
      Cmd: ['jupyter lab --ip=0.0.0.0'],
      Labels: {
        'io.neuropod.managed': 'true',
        'io.neuropod.instance': 'inst1',
        'io.neuropod.pod-id': '0123456789abcdef',
        'io.neuropod.user-id': 'user-1',
        'io.neuropod.role': 'workload',
        'io.neuropod.http-ports': '8888,8080',
        'io.neuropod.tcp-ports': '22',
      },
      ExposedPorts: { '8888/tcp': {}, '8080/tcp': {}, '22/tcp': {} },
      Tty: false,
      OpenStdin: false,
      HostConfig: {
        PortBindings: {
          '8888/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }],
          '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }],
          '22/tcp': [{ HostIp: '0.0.0.0', HostPort: '' }],
        },
        Mounts: [{ Type: 'volume', Source: 'neuropod-vol-fedcba9876543210', Target: '/workspace' }],
        RestartPolicy: { Name: 'no' },
        ShmSize: 1024 ** 3,
      },
    })
  })

  it("keeps the image's command when there is no start command", () => {
    const body = buildContainerSpec({ ...spec, startCommand: null }, options)
    expect(body.Entrypoint).toBeUndefined()
    expect(body.Cmd).toBeUndefined()
  })

  it('asks for the TCP host ports the pod had before', () => {
    const body = buildContainerSpec(spec, { ...options, preferredHostPorts: { 22: 40022 } })
    expect(body.HostConfig?.PortBindings?.['22/tcp']).toEqual([{ HostIp: '0.0.0.0', HostPort: '40022' }])
    expect(body.HostConfig?.PortBindings?.['8888/tcp']).toEqual([{ HostIp: '127.0.0.1', HostPort: '' }])
  })

  it('gives a GPU pod exactly its devices, in each GPU mode', () => {
    const gpuSpec = { ...spec, gpu: { type: 'rtx-4090', count: 2, deviceIds: ['1', '3'] } }
    const nvidia = buildContainerSpec(gpuSpec, options)
    expect(nvidia.HostConfig?.DeviceRequests).toEqual([
      { Driver: 'nvidia', DeviceIDs: ['1', '3'], Capabilities: [['gpu']] },
    ])
    expect(nvidia.Env).toContain('NVIDIA_VISIBLE_DEVICES=1,3')
    expect(nvidia.Env).toContain('NVIDIA_DRIVER_CAPABILITIES=compute,utility')

    const cdi = buildContainerSpec(gpuSpec, { ...options, gpuMode: 'cdi' })
    expect(cdi.HostConfig?.DeviceRequests).toBeUndefined()
    expect(cdi.HostConfig?.Devices).toEqual([
      { PathOnHost: 'nvidia.com/gpu=1', PathInContainer: '', CgroupPermissions: 'rwm' },
      { PathOnHost: 'nvidia.com/gpu=3', PathInContainer: '', CgroupPermissions: 'rwm' },
    ])

    const env = buildContainerSpec(gpuSpec, { ...options, gpuMode: 'env' })
    expect(env.HostConfig?.DeviceRequests).toBeUndefined()
    expect(env.HostConfig?.Devices).toBeUndefined()
    expect(env.Env).toContain('NVIDIA_VISIBLE_DEVICES=1,3')
  })

  it('applies per-GPU limits times the GPU count, and the cpu entry to CPU pods', () => {
    const limits = {
      cpu: { cpus: 2, memoryBytes: 4 * 1024 ** 3 },
      'rtx-4090': { cpus: 8, memoryBytes: 32 * 1024 ** 3 },
    }
    const gpu = buildContainerSpec(
      { ...spec, gpu: { type: 'rtx-4090', count: 2, deviceIds: ['0', '1'] } },
      { ...options, limits },
    )
    expect(gpu.HostConfig).toMatchObject({
      NanoCpus: 16e9,
      Memory: 64 * 1024 ** 3,
      MemorySwap: 64 * 1024 ** 3,
      ShmSize: 1024 ** 3,
    })
    const cpu = buildContainerSpec(spec, { ...options, limits })
    expect(cpu.HostConfig).toMatchObject({ NanoCpus: 2e9, Memory: 4 * 1024 ** 3 })
    const small = buildContainerSpec(spec, {
      ...options,
      limits: { cpu: { cpus: null, memoryBytes: 512 * 1024 ** 2 } },
    })
    expect(small.HostConfig?.NanoCpus).toBeUndefined()
    expect(small.HostConfig?.ShmSize).toBe(256 * 1024 ** 2)
  })

  it('sets a disk quota only when asked', () => {
    expect(buildContainerSpec(spec, options).HostConfig?.StorageOpt).toBeUndefined()
    expect(buildContainerSpec(spec, { ...options, diskQuota: true }).HostConfig?.StorageOpt).toEqual({
      size: '10G',
    })
  })

  it('labels the volume with its own id, not a pod id (it moves between pods)', () => {
    expect(buildVolumeSpec(spec.volume, 'inst1')).toEqual({
      Name: 'neuropod-vol-fedcba9876543210',
      Labels: {
        'io.neuropod.managed': 'true',
        'io.neuropod.instance': 'inst1',
        'io.neuropod.volume-id': 'fedcba9876543210',
        'io.neuropod.user-id': 'user-1',
        'io.neuropod.role': 'data',
      },
    })
  })

  it('adds :latest only to references without a tag or digest', () => {
    expect(withDefaultTag('busybox')).toBe('busybox:latest')
    expect(withDefaultTag('localhost:5000/team/img')).toBe('localhost:5000/team/img:latest')
    expect(withDefaultTag('localhost:5000/team/img:1.2')).toBe('localhost:5000/team/img:1.2')
    expect(withDefaultTag('ubuntu@sha256:abc')).toBe('ubuntu@sha256:abc')
  })

  it('names objects from the pod id only', () => {
    expect(containerName('0123456789abcdef')).toBe('neuropod-0123456789abcdef')
    expect(legacyVolumeName('0123456789abcdef')).toBe('neuropod-0123456789abcdef-data')
    expect(volumeName('0123456789abcdef')).toBe('neuropod-vol-0123456789abcdef')
    expect(podIdFromName('/neuropod-0123456789abcdef')).toBe('0123456789abcdef')
    expect(podIdFromName('neuropod-0123456789abcdef-data')).toBe('0123456789abcdef')
    expect(podIdFromName('neuropod-bench')).toBeNull()
    expect(portsFromLabel('8888,22,x,0')).toEqual([8888, 22])
  })
})

describe('NEUROPOD_DOCKER_LIMITS', () => {
  it('parses per-type CPU and memory limits', () => {
    expect(parseResourceLimits('cpu=2:4g, rtx-4090=8:32GiB,a100=:80g,default=0.5:')).toEqual({
      cpu: { cpus: 2, memoryBytes: 4 * 1024 ** 3 },
      'rtx-4090': { cpus: 8, memoryBytes: 32 * 1024 ** 3 },
      a100: { cpus: null, memoryBytes: 80 * 1024 ** 3 },
      default: { cpus: 0.5, memoryBytes: null },
    })
    expect(parseMemory('512m')).toBe(512 * 1024 ** 2)
    expect(parseMemory('1073741824')).toBe(1024 ** 3)
    expect(parseMemory('lots')).toBeNull()
  })

  it('explains what is wrong', () => {
    expect(parseResourceLimits('rtx-4090=8')).toMatch(/must look like <gpu type>=<cpus>:<memory>/)
    expect(parseResourceLimits('cpu=0:1g')).toMatch(/CPUs "0" must be a number above 0/)
    expect(parseResourceLimits('cpu=1:1k')).toMatch(/at least 6m/)
    expect(parseResourceLimits('cpu=1:1g,cpu=2:2g')).toMatch(/listed twice/)
  })

  it('falls back to default, and to no limit', () => {
    const limits = { default: { cpus: 4, memoryBytes: 1024 } }
    expect(limitFor(limits, { type: 'h100', count: 2 })).toEqual({ cpus: 8, memoryBytes: 2048 })
    expect(limitFor({}, null)).toEqual({ cpus: null, memoryBytes: null })
  })

  it('is validated by loadConfig with the other docker settings', () => {
    const config = loadConfig({
      NEUROPOD_DOCKER_LIMITS: 'cpu=1:1g',
      NEUROPOD_DOCKER_BIND_ADDRESS: '0.0.0.0',
      NEUROPOD_DOCKER_GPU_MODE: 'cdi',
      NEUROPOD_DOCKER_STOP_TIMEOUT_SECONDS: '3',
    })
    expect(config.docker).toMatchObject({
      limits: { cpu: { cpus: 1, memoryBytes: 1024 ** 3 } },
      bindAddress: '0.0.0.0',
      tcpBindAddress: '0.0.0.0',
      gpuMode: 'cdi',
      stopTimeoutSeconds: 3,
    })
    expect(() =>
      loadConfig({
        NEUROPOD_DOCKER_LIMITS: 'cpu=1',
        NEUROPOD_DOCKER_BIND_ADDRESS: 'localhost',
        NEUROPOD_DOCKER_GPU_MODE: 'amd',
        DOCKER_HOST: 'ssh://box',
      }),
    ).toThrow(ConfigError)
    try {
      loadConfig({ NEUROPOD_DOCKER_LIMITS: 'cpu=1', NEUROPOD_DOCKER_BIND_ADDRESS: 'localhost' })
    } catch (error) {
      const problems = (error as ConfigError).problems.join('\n')
      expect(problems).toMatch(/NEUROPOD_DOCKER_LIMITS/)
      expect(problems).toMatch(/NEUROPOD_DOCKER_BIND_ADDRESS="localhost" must be an IP address/)
    }
  })
})

describe('engine candidates', () => {
  const docker = (env: Record<string, string>) => loadConfig(env).docker

  it('tries the usual Docker and Podman sockets when nothing is configured', () => {
    expect(engineCandidates(docker({ XDG_RUNTIME_DIR: '/run/user/1000' })).map((t) => t.address)).toEqual([
      'unix:///var/run/docker.sock',
      'unix:///run/podman/podman.sock',
      'unix:///run/user/1000/podman/podman.sock',
      'unix:///run/user/1000/docker.sock',
    ])
  })

  it('uses only what is configured, NEUROPOD_DOCKER_SOCKET first', () => {
    expect(
      engineCandidates(docker({ NEUROPOD_DOCKER_SOCKET: '/tmp/x.sock', DOCKER_HOST: 'tcp://h:2375' })).map(
        (t) => [t.address, t.source],
      ),
    ).toEqual([['unix:///tmp/x.sock', 'NEUROPOD_DOCKER_SOCKET']])
    const [tcp] = engineCandidates(docker({ DOCKER_HOST: 'tcp://10.0.0.5:2375' }))
    expect(tcp).toMatchObject({ host: '10.0.0.5', port: 2375, protocol: 'http', local: false })
    const [unix] = engineCandidates(docker({ DOCKER_HOST: 'unix:///run/docker.sock' }))
    expect(unix).toMatchObject({ socketPath: '/run/docker.sock', local: true, source: 'DOCKER_HOST' })
  })
})
