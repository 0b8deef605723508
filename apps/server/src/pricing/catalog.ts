import type { GpuTypeRow, PricingSettingsRow } from '../db/schema.js'
import { eurosToMicros } from '../lib/money.js'

/** The price catalog as the domain sees it: integer micro-euros everywhere. */
export interface Catalog {
  gpus: GpuTypeRow[]
  settings: PricingSettingsRow
}

export interface DefaultGpu {
  id: string
  name: string
  price: number
  available: boolean
  memory: string
  cores: number
  performance: string
}

/** The catalog a new installation starts with; admins change prices and stock from the prices page. */
export const DEFAULT_GPUS: DefaultGpu[] = [
  {
    id: 'rtx-4050',
    name: 'RTX 4050',
    price: 2.5,
    available: true,
    memory: '6GB GDDR6',
    cores: 2560,
    performance: 'Entry Level',
  },
  {
    id: 'rtx-4080',
    name: 'RTX 4080',
    price: 4.99,
    available: false,
    memory: '16GB GDDR6X',
    cores: 9728,
    performance: 'Ultra Performance',
  },
  {
    id: 'rtx-4090',
    name: 'RTX 4090',
    price: 8.99,
    available: false,
    memory: '24GB GDDR6X',
    cores: 16384,
    performance: 'Flagship',
  },
]

/**
 * Storage at market prices: about 0.10 per GB-month (RunPod's rate) is 0.10 / 730 h ≈ 137 µ€ per
 * GB-hour, so a 30 GB volume costs about €0.004/h, far below any GPU. Operators change them with
 * CONTAINER_DISK_PRICE / VOLUME_DISK_PRICE (€/GB/hour) or the admin prices page.
 */
export const DEFAULT_DISK_PRICE_MICROS_PER_GB_HOUR = 137

export function defaultSettings(): Omit<PricingSettingsRow, 'updated_at' | 'updated_by'> {
  return {
    id: 1,
    container_disk_price: DEFAULT_DISK_PRICE_MICROS_PER_GB_HOUR,
    container_disk_unit: '€/GB/hour',
    container_disk_description: 'Temporary container storage',
    volume_disk_price: DEFAULT_DISK_PRICE_MICROS_PER_GB_HOUR,
    volume_disk_unit: '€/GB/hour',
    volume_disk_description: 'Persistent volume storage (kept while the pod is stopped)',
    container_disk_max: 100,
    volume_disk_max: 150,
    ports_max: 10,
    pods_per_user: 5,
    gpu_count_max: 8,
    free_tier_enabled: true,
    initial_balance: eurosToMicros(10),
    low_balance_threshold_minutes: 60,
    minimum_start_minutes: 60,
  }
}

export interface PodSizing {
  gpu: string
  gpuCount: number
  containerDiskSize: number
  volumeDiskSize: number
}

export interface PodRates {
  /** µ€ per hour while the container runs: GPUs + container disk */
  computeRate: number
  /** µ€ per hour while the volume exists: volume disk */
  storageRate: number
  gpuRate: number
  containerDiskRate: number
}

export function findGpu(catalog: Catalog, id: string): GpuTypeRow | undefined {
  return catalog.gpus.find((g) => g.id === id)
}

/** Hourly rates of a pod configuration. `cpu` (no GPU) costs nothing for the GPU part. */
export function podRates(catalog: Catalog, sizing: PodSizing): PodRates {
  const gpu = sizing.gpu === 'cpu' ? null : findGpu(catalog, sizing.gpu)
  const gpuRate = gpu ? gpu.price_per_hour * sizing.gpuCount : 0
  const containerDiskRate = Math.round(catalog.settings.container_disk_price * sizing.containerDiskSize)
  const storageRate = Math.round(catalog.settings.volume_disk_price * sizing.volumeDiskSize)
  return { computeRate: gpuRate + containerDiskRate, storageRate, gpuRate, containerDiskRate }
}

export function gpuDisplayName(id: string, catalog: Catalog): string {
  if (id === 'cpu') return 'CPU only'
  return findGpu(catalog, id)?.name ?? id.toUpperCase().replace('-', ' ')
}
