import type { FieldError, GpuInfo, Pricing, UpdatePricingBody } from '@neuropod/contracts'
import type { Kysely, Transaction } from 'kysely'
import type { Config } from '../config.js'
import type { Database, GpuTypeRow } from '../db/schema.js'
import { AppError, badRequest, notFound } from '../errors.js'
import type { Clock } from '../lib/clock.js'
import { eurosToMicros, microsToEuros } from '../lib/money.js'
import type { Bus } from '../realtime/bus.js'
import type { GpuStock } from '../runtime/pod-runtime.js'
import { type Catalog, DEFAULT_GPUS, defaultSettings, findGpu, gpuDisplayName, podRates } from './catalog.js'

export interface PricingDeps {
  db: Kysely<Database>
  clock: Clock
  bus: Bus
  seed: Config['pricingSeed']
  gpuStock: () => Promise<GpuStock[] | null>
}

/**
 * The price catalog. Reads come from an in-memory copy that every change invalidates on every
 * replica (bus message `catalog-changed`); writes are column-level updates in one transaction.
 */
export class PricingService {
  private cache: Promise<Catalog> | null = null

  constructor(private readonly deps: PricingDeps) {
    deps.bus.subscribe((m) => {
      if (m.kind === 'catalog-changed') this.cache = null
    })
  }

  get(): Promise<Catalog> {
    if (!this.cache) {
      const loading = this.load()
      this.cache = loading
      loading.catch(() => {
        if (this.cache === loading) this.cache = null
      })
    }
    return this.cache
  }

  private async load(): Promise<Catalog> {
    const [gpus, settings] = await Promise.all([
      this.deps.db.selectFrom('gpu_types').selectAll().orderBy('sort_order').orderBy('id').execute(),
      this.deps.db.selectFrom('pricing_settings').selectAll().where('id', '=', 1).executeTakeFirst(),
    ])
    if (!settings) throw new Error('Pricing catalog is not seeded')
    return { gpus, settings }
  }

  private changed(): void {
    this.cache = null
    this.deps.bus.publish({ kind: 'catalog-changed' })
  }

  /** First start: write the default catalog. Every start: apply the seed variables (GPU_*_PRICE…). */
  async seed(): Promise<void> {
    await this.deps.db.transaction().execute(async (trx) => {
      const existing = await trx
        .selectFrom('pricing_settings')
        .select('id')
        .where('id', '=', 1)
        .forUpdate()
        .executeTakeFirst()
      if (!existing) await this.writeDefaults(trx)
      await this.applySeedVariables(trx)
    })
    this.changed()
  }

  private async writeDefaults(trx: Transaction<Database>): Promise<void> {
    const now = this.deps.clock.now()
    await trx.deleteFrom('pricing_settings').execute()
    await trx
      .insertInto('pricing_settings')
      .values({ ...defaultSettings(), updated_at: now, updated_by: null })
      .execute()
    await trx.deleteFrom('gpu_types').execute()
    await trx
      .insertInto('gpu_types')
      .values(
        DEFAULT_GPUS.map((g, i) => ({
          id: g.id,
          name: g.name,
          price_per_hour: eurosToMicros(g.price),
          available: g.available,
          memory: g.memory,
          cores: g.cores,
          performance: g.performance,
          sort_order: i,
          updated_at: now,
        })),
      )
      .execute()
  }

  private async applySeedVariables(trx: Transaction<Database>): Promise<void> {
    const { gpuPrices, containerDiskPrice, volumeDiskPrice } = this.deps.seed
    const now = this.deps.clock.now()
    for (const [id, { name, price }] of Object.entries(gpuPrices)) {
      await trx
        .insertInto('gpu_types')
        .values({
          id,
          name,
          price_per_hour: eurosToMicros(price),
          available: true,
          memory: '',
          cores: 0,
          performance: '',
          sort_order: 100,
          updated_at: now,
        })
        .onConflict((oc) =>
          oc.column('id').doUpdateSet({ price_per_hour: eurosToMicros(price), updated_at: now }),
        )
        .execute()
    }
    if (containerDiskPrice !== null)
      await trx
        .updateTable('pricing_settings')
        .set({ container_disk_price: eurosToMicros(containerDiskPrice) })
        .execute()
    if (volumeDiskPrice !== null)
      await trx
        .updateTable('pricing_settings')
        .set({ volume_disk_price: eurosToMicros(volumeDiskPrice) })
        .execute()
  }

  async reset(actorId: string): Promise<void> {
    await this.deps.db.transaction().execute(async (trx) => {
      await trx.selectFrom('pricing_settings').select('id').forUpdate().execute()
      await this.writeDefaults(trx)
      await this.applySeedVariables(trx)
      await trx.updateTable('pricing_settings').set({ updated_by: actorId }).execute()
    })
    this.changed()
  }

  async update(patch: UpdatePricingBody, actorId: string): Promise<void> {
    const problems: FieldError[] = []
    const now = this.deps.clock.now()
    await this.deps.db.transaction().execute(async (trx) => {
      // Serialise catalog edits: concurrent admins never lose each other's changes.
      await trx.selectFrom('pricing_settings').select('id').where('id', '=', 1).forUpdate().execute()
      const gpus = await trx.selectFrom('gpu_types').selectAll().execute()
      let nextOrder = Math.max(0, ...gpus.map((g) => g.sort_order)) + 1
      for (const [id, change] of Object.entries(patch.gpus ?? {})) {
        if (id === 'cpu') {
          problems.push({ field: `gpus.${id}`, message: '"cpu" is reserved for pods without a GPU' })
          continue
        }
        const current = gpus.find((g) => g.id === id)
        if (change === null) {
          if (!current) problems.push({ field: `gpus.${id}`, message: `GPU type ${id} does not exist` })
          else await trx.deleteFrom('gpu_types').where('id', '=', id).execute()
          continue
        }
        if (!current) {
          if (change.name === undefined)
            problems.push({ field: `gpus.${id}.name`, message: 'A new GPU type needs a name' })
          if (change.price === undefined)
            problems.push({ field: `gpus.${id}.price`, message: 'A new GPU type needs a price' })
          if (change.name === undefined || change.price === undefined) continue
          await trx
            .insertInto('gpu_types')
            .values({
              id,
              name: change.name.trim(),
              price_per_hour: eurosToMicros(change.price),
              available: change.available ?? true,
              memory: change.specs?.memory ?? '',
              cores: change.specs?.cores ?? 0,
              performance: change.specs?.performance ?? '',
              sort_order: nextOrder++,
              updated_at: now,
            })
            .execute()
          continue
        }
        await trx
          .updateTable('gpu_types')
          .set({
            ...(change.name !== undefined ? { name: change.name.trim() } : {}),
            ...(change.price !== undefined ? { price_per_hour: eurosToMicros(change.price) } : {}),
            ...(change.available !== undefined ? { available: change.available } : {}),
            ...(change.specs?.memory !== undefined ? { memory: change.specs.memory } : {}),
            ...(change.specs?.cores !== undefined ? { cores: change.specs.cores } : {}),
            ...(change.specs?.performance !== undefined ? { performance: change.specs.performance } : {}),
            updated_at: now,
          })
          .where('id', '=', id)
          .execute()
      }
      if (problems.length > 0)
        throw badRequest('The pricing update has problems; nothing was changed', problems)
      const { storage, limits, freeTier, billing } = patch
      await trx
        .updateTable('pricing_settings')
        .set({
          ...(storage?.containerDisk?.price !== undefined
            ? { container_disk_price: eurosToMicros(storage.containerDisk.price) }
            : {}),
          ...(storage?.containerDisk?.unit !== undefined
            ? { container_disk_unit: storage.containerDisk.unit }
            : {}),
          ...(storage?.containerDisk?.description !== undefined
            ? { container_disk_description: storage.containerDisk.description }
            : {}),
          ...(storage?.volumeDisk?.price !== undefined
            ? { volume_disk_price: eurosToMicros(storage.volumeDisk.price) }
            : {}),
          ...(storage?.volumeDisk?.unit !== undefined ? { volume_disk_unit: storage.volumeDisk.unit } : {}),
          ...(storage?.volumeDisk?.description !== undefined
            ? { volume_disk_description: storage.volumeDisk.description }
            : {}),
          ...(limits?.containerDiskMax !== undefined ? { container_disk_max: limits.containerDiskMax } : {}),
          ...(limits?.volumeDiskMax !== undefined ? { volume_disk_max: limits.volumeDiskMax } : {}),
          ...(limits?.portsMax !== undefined ? { ports_max: limits.portsMax } : {}),
          ...(limits?.podsPerUser !== undefined ? { pods_per_user: limits.podsPerUser } : {}),
          ...(limits?.gpuCountMax !== undefined ? { gpu_count_max: limits.gpuCountMax } : {}),
          ...(freeTier?.enabled !== undefined ? { free_tier_enabled: freeTier.enabled } : {}),
          ...(freeTier?.initialBalance !== undefined
            ? { initial_balance: eurosToMicros(freeTier.initialBalance) }
            : {}),
          ...(billing?.lowBalanceThresholdHours !== undefined
            ? { low_balance_threshold_minutes: Math.round(billing.lowBalanceThresholdHours * 60) }
            : {}),
          ...(billing?.minimumStartHours !== undefined
            ? { minimum_start_minutes: Math.round(billing.minimumStartHours * 60) }
            : {}),
          updated_at: now,
          updated_by: actorId,
        })
        .where('id', '=', 1)
        .execute()
    })
    this.changed()
  }

  async view(): Promise<Pricing> {
    const catalog = await this.get()
    const s = catalog.settings
    return {
      gpus: Object.fromEntries(catalog.gpus.map((g) => [g.id, gpuView(g)])),
      storage: {
        containerDisk: {
          price: microsToEuros(s.container_disk_price),
          unit: s.container_disk_unit,
          description: s.container_disk_description,
        },
        volumeDisk: {
          price: microsToEuros(s.volume_disk_price),
          unit: s.volume_disk_unit,
          description: s.volume_disk_description,
        },
      },
      limits: {
        containerDiskMax: s.container_disk_max,
        volumeDiskMax: s.volume_disk_max,
        portsMax: s.ports_max,
        podsPerUser: s.pods_per_user,
        gpuCountMax: s.gpu_count_max,
      },
      freeTier: { enabled: s.free_tier_enabled, initialBalance: microsToEuros(s.initial_balance) },
      billing: {
        currency: 'EUR',
        lowBalanceThresholdHours: s.low_balance_threshold_minutes / 60,
        minimumStartHours: s.minimum_start_minutes / 60,
      },
      availableGpus: catalog.gpus.filter((g) => g.available).map((g) => g.id),
      updatedAt: s.updated_at ? new Date(s.updated_at).toISOString() : null,
      updatedBy: s.updated_by,
    }
  }

  /** The catalog with the e-mail of whoever changed it last, for administrators. */
  async adminView(): Promise<Pricing> {
    const view = await this.view()
    const editor = view.updatedBy
      ? await this.deps.db
          .selectFrom('users')
          .select('email')
          .where('id', '=', view.updatedBy)
          .executeTakeFirst()
      : undefined
    return { ...view, updatedByEmail: editor?.email ?? null }
  }

  async gpuInfos(onlyAvailable: boolean): Promise<GpuInfo[]> {
    const [catalog, stock] = await Promise.all([this.get(), this.deps.gpuStock().catch(() => null)])
    return catalog.gpus
      .filter((g) => !onlyAvailable || g.available)
      .map((g) => {
        const s = stock?.find((x) => x.gpuType === g.id)
        return {
          id: g.id,
          ...gpuView(g),
          stock: s
            ? { total: s.total, free: s.free, source: s.source }
            : stock
              ? { total: 0, free: 0, source: stock[0]?.source ?? 'runtime' }
              : null,
        }
      })
  }

  async gpuInfo(id: string): Promise<GpuInfo> {
    const info = (await this.gpuInfos(false)).find((g) => g.id === id)
    if (!info) throw notFound(`GPU ${id} not found`)
    return info
  }

  async calculateCost(input: {
    gpu: string
    gpuCount?: number
    containerDiskSize: number
    volumeDiskSize: number
    hours?: number
  }) {
    const catalog = await this.get()
    const gpu = input.gpu === 'cpu' ? null : findGpu(catalog, input.gpu)
    if (input.gpu !== 'cpu' && !gpu) {
      throw new AppError('VALIDATION_FAILED', 400, `GPU ${input.gpu} is not in the price catalog`, [
        { field: 'gpu', message: `Unknown GPU type ${input.gpu}` },
      ])
    }
    const hours = input.hours ?? 1
    const gpuCount = input.gpu === 'cpu' ? 0 : (input.gpuCount ?? 1)
    const rates = podRates(catalog, {
      gpu: input.gpu,
      gpuCount,
      containerDiskSize: input.containerDiskSize,
      volumeDiskSize: input.volumeDiskSize,
    })
    const line = (rate: number) => ({
      hourlyRate: microsToEuros(rate),
      cost: roundMicros(rate * hours),
      hours,
    })
    const totalHourly = rates.computeRate + rates.storageRate
    return {
      gpu: { name: gpuDisplayName(input.gpu, catalog), count: gpuCount, ...line(rates.gpuRate) },
      containerDisk: { size: input.containerDiskSize, ...line(rates.containerDiskRate) },
      volumeDisk: { size: input.volumeDiskSize, ...line(rates.storageRate) },
      total: roundMicros(totalHourly * hours),
      totalHourly: microsToEuros(totalHourly),
      currency: 'EUR' as const,
    }
  }
}

function roundMicros(micros: number): number {
  return microsToEuros(Math.round(micros))
}

function gpuView(g: GpuTypeRow) {
  return {
    name: g.name,
    price: microsToEuros(g.price_per_hour),
    available: g.available,
    specs: { memory: g.memory, cores: g.cores, performance: g.performance },
  }
}
