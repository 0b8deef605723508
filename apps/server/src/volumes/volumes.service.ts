import type { CreateVolumeBody, UpdateVolumeBody, Volume, VolumeAtRisk } from '@neuropod/contracts'
import type { AuditLog } from '../audit/audit-log.js'
import type { Principal } from '../auth/principal.js'
import { settleAndAnnounce } from '../billing/settlement.js'
import type { Transactions } from '../db/transaction.js'
import { AppError, badRequest, forbidden, notFound } from '../errors.js'
import type { Clock } from '../lib/clock.js'
import { newPodId } from '../lib/ids.js'
import type { Logger } from '../lib/logger.js'
import { formatEuros, microsToEuros } from '../lib/money.js'
import type { PricingService } from '../pricing/pricing.service.js'
import type { Bus } from '../realtime/bus.js'
import { type PodRuntime, VolumeResizeError, type VolumeUsage } from '../runtime/pod-runtime.js'
import { collect, mountPathProblem, volumeNameProblem, volumeSizeProblem } from './volume-rules.js'
import { volumeView } from './volume-view.js'
import { type VolumesRepository, type VolumeWithPod, volumeSpec } from './volumes.repository.js'

export interface VolumesDeps {
  volumes: VolumesRepository
  transactions: Transactions
  clock: Clock
  bus: Bus
  runtime: PodRuntime
  pricing: PricingService
  audit: AuditLog
  log: Logger
  /** A balance negative for this long puts the owner's volumes at risk (NEUROPOD_VOLUME_RISK_AFTER_HOURS) */
  riskAfterHours: number
}

const VOLUME_ID = /^[a-f0-9]{16}$/

/**
 * Volume use cases (ADR 0016): a user's storage, created on its own or with a pod, kept when pods
 * go, resized up, deleted only on request and only while no pod holds it. Money: a volume accrues
 * from creation to deletion at its own rate (billing/volume-settlement.ts); every change of rate
 * settles it first.
 */
export class VolumesService {
  constructor(private readonly deps: VolumesDeps) {}

  // ---------------------------------------------------------------- reads

  /** Own volumes; admins: every volume, or one user's with `userEmail`. */
  async list(principal: Principal, userEmail?: string): Promise<Volume[]> {
    let rows: VolumeWithPod[]
    if (principal.role === 'admin' && userEmail !== undefined) {
      const owner = await this.deps.volumes.userByEmail(userEmail)
      if (!owner) throw notFound('User not found')
      rows = await this.deps.volumes.listOf(owner.id)
    } else if (principal.role === 'admin') rows = await this.deps.volumes.listAll(1000, 0)
    else rows = await this.deps.volumes.listOf(principal.userId)
    return this.views(rows)
  }

  /**
   * Admins: volumes whose owner's balance has been negative for at least the configured time. They
   * are only shown and their owners warned; data is never deleted automatically.
   */
  async atRisk(): Promise<VolumeAtRisk[]> {
    const owners = await this.deps.volumes.negativeOwners(this.riskCutoff(this.deps.clock.now()))
    const byUser = new Map(owners.map((o) => [o.userId, o]))
    const rows = await this.deps.volumes.listOfMany([...byUser.keys()])
    const views = await this.views(rows)
    return views.map((volume) => {
      const owner = byUser.get(volume.userId)!
      return {
        volume,
        balance: microsToEuros(owner.balance),
        negativeSince: owner.negativeSince.toISOString(),
      }
    })
  }

  /** Notifies owners negative for the configured time, once per negative episode (the meter's tick). */
  warnAtRisk(now = this.deps.clock.now()): Promise<number> {
    return this.deps.volumes.warnNegativeOwners(now, this.riskCutoff(now))
  }

  private riskCutoff(now: Date): Date {
    return new Date(now.getTime() - this.deps.riskAfterHours * 3_600_000)
  }

  async get(principal: Principal, volumeId: string): Promise<Volume> {
    return (await this.views([await this.accessible(principal, volumeId)]))[0]!
  }

  /** The volume if the principal may see it: 404 when it does not exist, 403 when it is someone else's. */
  async accessible(principal: Principal, volumeId: string): Promise<VolumeWithPod> {
    if (!VOLUME_ID.test(volumeId)) throw notFound('Volume not found')
    const row = await this.deps.volumes.view(volumeId)
    if (!row) throw notFound('Volume not found')
    if (row.user_id !== principal.userId && principal.role !== 'admin')
      throw forbidden('You do not have access to this volume')
    return row
  }

  async views(rows: VolumeWithPod[]): Promise<Volume[]> {
    const { usage, note } = await this.usage(rows.map((r) => r.runtime_name))
    const resize = this.deps.runtime.kind === 'kubernetes' ? 'expand' : 'recorded'
    return rows.map((r) => volumeView(r, { usage, usageNote: note, resize }))
  }

  private async usage(names: string[]): Promise<{ usage: VolumeUsage; note: string }> {
    const note =
      this.deps.runtime.kind === 'docker'
        ? 'Not measured yet (the engine reports sizes of volumes it has scanned)'
        : this.deps.runtime.kind === 'kubernetes'
          ? 'Not measured (this platform does not read kubelet volume statistics)'
          : 'Not measured (the simulation stores nothing)'
    if (names.length === 0) return { usage: new Map(), note }
    try {
      return { usage: await this.deps.runtime.volumeUsage(names), note }
    } catch (error) {
      this.deps.log.warn({ err: error }, 'volume usage unavailable')
      return { usage: new Map(), note: 'Not measured: the runtime did not answer' }
    }
  }

  // ---------------------------------------------------------------- writes

  async create(principal: Principal, body: CreateVolumeBody): Promise<Volume> {
    const catalog = await this.deps.pricing.get()
    const name = body.name.trim()
    const mountPath = body.mountPath ?? '/workspace'
    const problems = collect([
      ['name', volumeNameProblem(name)],
      ['size', volumeSizeProblem(body.size, catalog.settings.volume_disk_max)],
      ['mountPath', mountPathProblem(mountPath)],
    ])
    if (problems.length > 0) throw badRequest('The volume request has problems', problems)
    const rate = Math.round(catalog.settings.volume_disk_price * body.size)
    const now = this.deps.clock.now()
    const volumeId = newPodId()
    await this.deps.transactions.run(async (tx) => {
      const owner = await this.deps.volumes.lockOwner(tx, principal.userId)
      if (await this.deps.volumes.nameTaken(tx, owner.id, name, null))
        throw badRequest('The volume request has problems', [
          { field: 'name', message: `You already have a volume named "${name}"` },
        ])
      if (owner.role === 'client') {
        // Like a start: the balance must cover the minimum time of everything that would accrue.
        const burn =
          (await this.deps.volumes.burnOf(tx.trx, owner.id)) +
          (await this.deps.volumes.podBurnOf(tx.trx, owner.id))
        const required = Math.ceil(((burn + rate) * catalog.settings.minimum_start_minutes) / 60)
        if (owner.balance < required)
          throw new AppError(
            'INSUFFICIENT_BALANCE',
            402,
            `Insufficient balance. Required: ${formatEuros(required, 'up')} (${catalog.settings.minimum_start_minutes / 60} h of your pods and volumes), available: ${formatEuros(owner.balance, 'down')}`,
          )
      }
      await this.deps.volumes.insert(
        tx,
        {
          id: volumeId,
          user_id: owner.id,
          name,
          size_gb: body.size,
          mount_path: mountPath,
          runtime: this.deps.runtime.kind,
          runtime_name: this.deps.runtime.volumeName(volumeId),
          rate,
        },
        now,
      )
      await this.deps.audit.record(
        principal.userId,
        'CREATE_VOLUME',
        'volume',
        volumeId,
        { size: body.size },
        tx.trx,
      )
    })
    const row = (await this.deps.volumes.byId(volumeId))!
    // The runtime object is made now when it can be; otherwise the first pod that mounts it makes it.
    await this.deps.runtime
      .ensureVolume(volumeSpec(row))
      .catch((error) => this.deps.log.warn({ err: error, volumeId }, 'volume not created on the runtime yet'))
    return this.get(principal, volumeId)
  }

  /** Rename, and resize up (the runtime grows it, or the size is recorded where it has no quota). */
  async update(principal: Principal, volumeId: string, body: UpdateVolumeBody): Promise<Volume> {
    const current = await this.accessible(principal, volumeId)
    const catalog = await this.deps.pricing.get()
    const name = body.name?.trim()
    const problems = collect([
      ['name', name === undefined ? null : volumeNameProblem(name)],
      [
        'size',
        body.size === undefined
          ? null
          : (volumeSizeProblem(body.size, catalog.settings.volume_disk_max) ??
            (body.size < current.size_gb ? `Volumes only grow: it has ${current.size_gb} GB` : null)),
      ],
    ])
    if (problems.length > 0) throw badRequest('The volume request has problems', problems)
    if (current.status !== 'ready') throw new AppError('CONFLICT', 409, 'The volume is being deleted')
    const grows = body.size !== undefined && body.size > current.size_gb
    if (grows) {
      try {
        await this.deps.runtime.resizeVolume(volumeSpec({ ...current, size_gb: body.size! }))
      } catch (error) {
        if (error instanceof VolumeResizeError) throw new AppError('CONFLICT', 409, error.message)
        throw new AppError('RUNTIME_UNAVAILABLE', 503, 'The runtime could not resize the volume; try again')
      }
    }
    const now = this.deps.clock.now()
    await this.deps.transactions.run(async (tx) => {
      const row = await this.deps.volumes.lock(tx, volumeId)
      if (!row) throw notFound('Volume not found')
      if (name !== undefined && (await this.deps.volumes.nameTaken(tx, row.user_id, name, row.id)))
        throw badRequest('The volume request has problems', [
          { field: 'name', message: `A volume named "${name}" already exists` },
        ])
      const set: { name?: string; size_gb?: number; rate?: number } = {}
      if (name !== undefined) set.name = name
      if (grows && body.size! > row.size_gb) {
        // What accrued so far at the old rate is charged first; the new size is priced from now.
        await settleAndAnnounce(tx, this.deps.bus, now, [], [row.id])
        set.size_gb = body.size!
        set.rate = Math.round(catalog.settings.volume_disk_price * body.size!)
      }
      if (Object.keys(set).length > 0) await this.deps.volumes.update(tx, row.id, set, now)
      await this.deps.audit.record(principal.userId, 'UPDATE_VOLUME', 'volume', row.id, { ...set }, tx.trx)
    })
    return this.get(principal, volumeId)
  }

  /** Deletes the volume and its data; refused while a pod holds it (409 naming the pod). */
  async delete(principal: Principal, volumeId: string): Promise<void> {
    await this.accessible(principal, volumeId)
    const now = this.deps.clock.now()
    const row = await this.deps.transactions.run(async (tx) => {
      const locked = await this.deps.volumes.lock(tx, volumeId)
      if (!locked) throw notFound('Volume not found')
      const holders = await this.deps.volumes.holders(tx, volumeId)
      if (holders.length > 0)
        throw new AppError(
          'CONFLICT',
          409,
          `The volume is attached to pod "${holders[0]!.name}"; delete that pod (keeping or removing the volume) first`,
        )
      // "deleting" keeps any deploy from attaching it while the runtime removes it.
      await this.deps.volumes.update(tx, volumeId, { status: 'deleting' }, now)
      return locked
    })
    try {
      await this.deps.runtime.deleteVolume(row.runtime_name)
    } catch (error) {
      this.deps.log.warn({ err: error, volumeId }, 'volume removal failed')
      await this.deps.volumes.setStatus(volumeId, 'ready', this.deps.clock.now())
      throw new AppError('RUNTIME_UNAVAILABLE', 503, 'The runtime could not remove the volume; try again')
    }
    const at = this.deps.clock.now()
    await this.deps.transactions.run(async (tx) => {
      await settleAndAnnounce(tx, this.deps.bus, at, [], [volumeId])
      await this.deps.volumes.markDeleted(tx, volumeId, at)
      await this.deps.audit.record(principal.userId, 'DELETE_VOLUME', 'volume', volumeId, {}, tx.trx)
    })
  }
}
