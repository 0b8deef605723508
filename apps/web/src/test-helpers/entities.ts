import { legacyStatus, type PodUpdateEvent } from '@neuropod/contracts'
import type { GpuInfo, Pod, Pricing, Template, User } from '../api/types'

/** Builders for API objects: each test states only the fields it cares about. */
export function mockPod(overrides: Partial<Pod> = {}): Pod {
  const pod: Omit<Pod, 'legacyStatus'> = {
    podId: 'a1b2c3d4e5f60718',
    podName: 'notebook',
    slug: 'k3x9q2m7aa',
    userId: '00000000-0000-4000-8000-000000000001',
    userEmail: 'alice@example.com',
    createdBy: '00000000-0000-4000-8000-000000000001',
    deploymentType: 'template',
    templateId: 'tpl-1',
    templateName: 'Jupyter Lab',
    dockerImage: 'jupyter/minimal-notebook:latest',
    gpu: 'rtx-4050',
    gpuCount: 1,
    containerDiskSize: 10,
    volumeDiskSize: 20,
    volumePath: '/workspace',
    volumeId: 'f0e1d2c3b4a59687',
    enableJupyter: true,
    env: {},
    startCommand: null,
    status: 'running',
    statusReason: null,
    desiredState: 'running',
    exitCode: null,
    httpServices: [
      {
        port: 8888,
        serviceName: 'Jupyter Lab',
        url: 'http://k3x9q2m7aa-8888.localhost:3000/',
        isCustom: false,
        status: 'ready',
        statusReason: null,
        access: 'private',
        jupyter: true,
      },
    ],
    tcpServices: [],
    stats: {
      available: false,
      reason: 'Simulated runtime: no container runs',
      cpuUsage: null,
      memoryUsage: null,
      memoryUsedBytes: null,
      memoryLimitBytes: null,
      gpuUsage: null,
      gpuMemoryUsage: null,
      uptime: 0,
      lastUpdated: null,
    },
    costPerHour: 5,
    computeCostPerHour: 3,
    storageCostPerHour: 2,
    costSoFar: 1.25,
    metered: true,
    runtime: 'simulated',
    createdAt: '2026-01-01T10:00:00.000Z',
    updatedAt: '2026-01-01T10:00:05.000Z',
    idle: {
      timeoutMinutes: 60,
      maxRuntimeMinutes: null,
      stopAt: null,
      idleDeadline: null,
      nextStop: null,
      lastActivity: null,
      lastAutoStop: null,
    },
    startedAt: '2026-01-01T10:00:05.000Z',
    stoppedAt: null,
    lastActive: null,
    ...overrides,
  }
  return { ...pod, legacyStatus: overrides.legacyStatus ?? legacyStatus(pod.status) }
}

/** A podUpdate as the server sends it, with the original's top-level copies of the pod's parts. */
export function mockPodUpdate(pod: Pod, timestamp: string): PodUpdateEvent {
  return {
    type: 'podUpdate',
    podId: pod.podId,
    status: pod.status,
    legacyStatus: pod.legacyStatus,
    stats: pod.stats,
    httpServices: pod.httpServices,
    tcpServices: pod.tcpServices,
    pod,
    timestamp,
  }
}

export function mockUser(overrides: Partial<User> = {}): User {
  return {
    id: '00000000-0000-4000-8000-000000000001',
    email: 'alice@example.com',
    name: 'Alice',
    avatar: null,
    role: 'client',
    balance: 10,
    unlimited: false,
    plan: 'free',
    registrationDate: '2026-01-01',
    createdAt: '2026-01-01T09:00:00.000Z',
    activePods: 1,
    totalPods: 2,
    status: 'online',
    suspended: false,
    suspendedReason: null,
    lastSeenAt: null,
    hasPassword: true,
    googleLinked: false,
    ...overrides,
  }
}

export function mockPricing(overrides: Partial<Pricing> = {}): Pricing {
  return {
    gpus: {
      'rtx-4050': {
        name: 'RTX 4050',
        price: 2.5,
        available: true,
        specs: { memory: '6GB GDDR6', cores: 2560, performance: 'Entry' },
      },
      'rtx-4090': {
        name: 'RTX 4090',
        price: 8.99,
        available: false,
        specs: { memory: '24GB GDDR6X', cores: 16384, performance: 'Flagship' },
      },
    },
    storage: {
      containerDisk: { price: 0.05, unit: '€/GB/h', description: '' },
      volumeDisk: { price: 0.1, unit: '€/GB/h', description: '' },
    },
    limits: { containerDiskMax: 100, volumeDiskMax: 150, portsMax: 10, podsPerUser: 10, gpuCountMax: 4 },
    freeTier: { enabled: true, initialBalance: 10 },
    billing: { currency: 'EUR', lowBalanceThresholdHours: 1, minimumStartHours: 1 },
    availableGpus: ['rtx-4050'],
    updatedAt: null,
    updatedBy: null,
    ...overrides,
  }
}

export function mockGpus(): GpuInfo[] {
  const p = mockPricing()
  return Object.entries(p.gpus).map(([id, g]) => ({ id, ...g, stock: null }))
}

export function mockTemplate(overrides: Partial<Template> = {}): Template {
  return {
    id: 'tpl-1',
    _id: 'tpl-1',
    name: 'Ubuntu Base',
    dockerImage: 'ubuntu:22.04',
    httpPorts: [{ port: 8080, serviceName: 'Web Server' }],
    tcpPorts: [{ port: 22, serviceName: 'SSH' }],
    containerDiskSize: 10,
    volumeDiskSize: 500,
    volumePath: '/workspace',
    enableJupyter: true,
    env: {},
    startCommand: null,
    description: '',
    createdBy: null,
    podCount: 0,
    idleTimeoutMinutes: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  }
}
