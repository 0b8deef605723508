import { GPU_ID_PATTERN } from '@neuropod/contracts/patterns'
import type { Pricing, UpdatePricingBody } from '../../api/types'
import type { MessageKey, Vars } from '../../i18n'

/** The editable catalog, as text so an emptied box stays empty instead of snapping to 0. */
export interface GpuRow {
  id: string
  isNew: boolean
  name: string
  price: string
  available: boolean
  memory: string
  cores: string
  performance: string
}
export interface PricingForm {
  gpus: GpuRow[]
  removed: string[]
  containerPrice: string
  volumePrice: string
  containerDiskMax: string
  volumeDiskMax: string
  portsMax: string
  podsPerUser: string
  gpuCountMax: string
  freeTierEnabled: boolean
  initialBalance: string
  lowBalanceThresholdHours: string
  minimumStartHours: string
}

export function pricingToForm(p: Pricing): PricingForm {
  return {
    gpus: Object.entries(p.gpus).map(([id, g]) => ({
      id,
      isNew: false,
      name: g.name,
      price: String(g.price),
      available: g.available,
      memory: g.specs.memory,
      cores: String(g.specs.cores),
      performance: g.specs.performance,
    })),
    removed: [],
    containerPrice: String(p.storage.containerDisk.price),
    volumePrice: String(p.storage.volumeDisk.price),
    containerDiskMax: String(p.limits.containerDiskMax),
    volumeDiskMax: String(p.limits.volumeDiskMax),
    portsMax: String(p.limits.portsMax),
    podsPerUser: String(p.limits.podsPerUser),
    gpuCountMax: String(p.limits.gpuCountMax),
    freeTierEnabled: p.freeTier.enabled,
    initialBalance: String(p.freeTier.initialBalance),
    lowBalanceThresholdHours: String(p.billing.lowBalanceThresholdHours),
    minimumStartHours: String(p.billing.minimumStartHours),
  }
}

export function newGpuRow(): GpuRow {
  return {
    id: '',
    isNew: true,
    name: '',
    price: '',
    available: true,
    memory: '',
    cores: '0',
    performance: '',
  }
}

type Translate = (key: MessageKey, vars?: Vars) => string
const isNumber = (s: string) => /^\d+(?:[.,]\d+)?$/.test(s.trim())
const num = (s: string) => Number(s.trim().replace(',', '.'))
const isInt = (s: string) => /^\d+$/.test(s.trim())

export function validatePricing(form: PricingForm, t: Translate): Record<string, string[]> {
  const errors: Record<string, string[]> = {}
  const add = (field: string, message: string) => {
    errors[field] = [...(errors[field] ?? []), message]
  }
  const ids = new Set<string>()
  form.gpus.forEach((g, i) => {
    const key = `gpu.${i}`
    if (!new RegExp(GPU_ID_PATTERN).test(g.id)) add(key, t('prices.error.id'))
    else if (ids.has(g.id)) add(key, t('prices.error.idTaken', { id: g.id }))
    ids.add(g.id)
    if (!g.name.trim()) add(key, t('prices.error.name'))
    if (!isNumber(g.price)) add(key, t('prices.error.price'))
    if (!isInt(g.cores)) add(key, t('prices.error.cores'))
  })
  for (const field of [
    'containerPrice',
    'volumePrice',
    'initialBalance',
    'lowBalanceThresholdHours',
    'minimumStartHours',
  ] as const)
    if (!isNumber(form[field])) add(field, t('prices.error.number'))
  for (const field of [
    'containerDiskMax',
    'volumeDiskMax',
    'portsMax',
    'podsPerUser',
    'gpuCountMax',
  ] as const)
    if (!isInt(form[field])) add(field, t('prices.error.integer'))
  return errors
}

export function pricingBody(form: PricingForm): UpdatePricingBody {
  const gpus: NonNullable<UpdatePricingBody['gpus']> = {}
  for (const id of form.removed) gpus[id] = null
  for (const g of form.gpus) {
    gpus[g.id] = {
      name: g.name.trim(),
      price: num(g.price),
      available: g.available,
      specs: { memory: g.memory.trim(), cores: Number(g.cores), performance: g.performance.trim() },
    }
  }
  return {
    gpus,
    storage: {
      containerDisk: { price: num(form.containerPrice) },
      volumeDisk: { price: num(form.volumePrice) },
    },
    limits: {
      containerDiskMax: Number(form.containerDiskMax),
      volumeDiskMax: Number(form.volumeDiskMax),
      portsMax: Number(form.portsMax),
      podsPerUser: Number(form.podsPerUser),
      gpuCountMax: Number(form.gpuCountMax),
    },
    freeTier: { enabled: form.freeTierEnabled, initialBalance: num(form.initialBalance) },
    billing: {
      lowBalanceThresholdHours: num(form.lowBalanceThresholdHours),
      minimumStartHours: num(form.minimumStartHours),
    },
  }
}
