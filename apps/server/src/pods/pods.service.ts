import type { CreatePodBody, FieldError, Pod, PodEvent, PodStats, PortAccess } from '@neuropod/contracts'
import {
  type Expression,
  type ExpressionBuilder,
  type Kysely,
  type SqlBool,
  sql,
  type Transaction,
} from 'kysely'
import type { AuditLog } from '../audit/audit-log.js'
import type { Principal } from '../auth/principal.js'
import type { Database, PodRow, TemplateRow, VolumeRow } from '../db/schema.js'
import { runInTransaction, type Tx } from '../db/transaction.js'
import { AppError, badRequest, forbidden, invalidState, notFound } from '../errors.js'
import { resolveAutoStop } from '../idle/idle-policy.js'
import type { IdleSettingsRepository } from '../idle/idle-settings.repository.js'
import { type Clock, monotonicMs } from '../lib/clock.js'
import { newPodId, newSlug, randomToken } from '../lib/ids.js'
import { formatEuros } from '../lib/money.js'
import type { SecretBox } from '../lib/secrets.js'
import { podRates } from '../pricing/catalog.js'
import type { PricingService } from '../pricing/pricing.service.js'
import type { Bus } from '../realtime/bus.js'
import type { LogsResult, PodRuntime } from '../runtime/pod-runtime.js'
import type { UsersRepository } from '../users/users.repository.js'
import { mountPathProblem } from '../volumes/volume-rules.js'
import type { VolumesRepository } from '../volumes/volumes.repository.js'
import { type PodPublisher, podEventView } from './pod-publisher.js'
import { validatePodRequest } from './pod-validation.js'
import { type PodViewRow, podView, selectPodViews } from './pod-view.js'
import type { PodsRepository } from './pods.repository.js'

export interface PodsDeps {
  db: Kysely<Database>
  podRows: PodsRepository
  users: UsersRepository
  clock: Clock
  bus: Bus
  runtime: PodRuntime
  pricing: PricingService
  publisher: PodPublisher
  secrets: SecretBox
  audit: AuditLog
  idleSettings: IdleSettingsRepository
  volumes: VolumesRepository
  /** Admin setting: several pods may mount one volume where the runtime supports it */
  volumeSharing: boolean
}

const POD_ID = /^[a-f0-9]{16}$/
const OWN_ROWS_TTL_MS = 2000

interface OwnRows {
  rows: Promise<PodViewRow[]>
  at: number
  views: { second: number; pods: Pod[] } | null
}

export interface AdminPodFilters {
  userEmail?: string
  userId?: string
  status?: string
  gpu?: string
  search?: string
  page: number
  limit: number
}

/**
 * Pod use cases. Each records intent in one transaction and wakes the reconciler through the bus;
 * none waits for the runtime.
 */
export class PodsService {
  /**
   * Each owner's pod rows, kept until something about them changes: every pod change and every
   * charge is published on the bus (to all replicas), which drops the owner's entry. The short
   * lifetime bounds what no event announces (last activity, usage samples). Views are rebuilt per
   * request, so uptime stays exact.
   */
  private readonly ownRows = new Map<string, OwnRows>()

  constructor(private readonly deps: PodsDeps) {
    deps.bus.subscribe((m) => {
      if (m.kind === 'pod' || m.kind === 'pod-reload' || (m.kind === 'user' && m.event === 'balanceUpdate'))
        this.ownRows.delete(m.userId)
      else if (m.kind === 'catalog-changed') this.ownRows.clear()
    })
  }

  private rowsOf(ownerId: string): OwnRows {
    const now = monotonicMs()
    const cached = this.ownRows.get(ownerId)
    if (cached && now - cached.at < OWN_ROWS_TTL_MS) return cached
    const rows = selectPodViews(this.deps.db)
      .where('pods.user_id', '=', ownerId)
      .where('pods.deleted_at', 'is', null)
      .orderBy('pods.created_at', 'desc')
      .execute()
    const entry: OwnRows = { rows, at: now, views: null }
    this.ownRows.set(ownerId, entry)
    rows.catch(() => {
      if (this.ownRows.get(ownerId) === entry) this.ownRows.delete(ownerId)
    })
    if (this.ownRows.size > 10_000) this.ownRows.clear()
    return entry
  }

  // ---------------------------------------------------------------- reads

  async listOwn(principal: Principal, userEmail?: string): Promise<Pod[]> {
    let ownerId = principal.userId
    if (userEmail && principal.role === 'admin') {
      const owner = await this.deps.users.byEmail(userEmail.trim().toLowerCase())
      if (!owner) throw notFound('User not found')
      ownerId = owner.id
    }
    const entry = this.rowsOf(ownerId)
    const rows = await entry.rows
    // Views depend on the clock only through uptime (whole seconds): within one second, callers get
    // the same array, which also lets the route reuse its serialized body.
    const options = this.deps.publisher.options()
    const second = Math.floor(options.now.getTime() / 1000)
    if (entry.views?.second !== second) entry.views = { second, pods: rows.map((r) => podView(r, options)) }
    return entry.views.pods
  }

  async listAll(filters: AdminPodFilters): Promise<{ total: number; pods: Pod[] }> {
    const matching = (eb: ExpressionBuilder<Database, 'pods'>) => {
      const conditions: Expression<SqlBool>[] = [eb('pods.deleted_at', 'is', null)]
      if (filters.userEmail) {
        const email = `%${escapeLike(filters.userEmail.trim().toLowerCase())}%`
        conditions.push(
          eb(
            'pods.user_id',
            'in',
            eb.selectFrom('users').select('users.id').where('users.email', 'like', email),
          ),
        )
      }
      if (filters.userId) conditions.push(eb('pods.user_id', '=', filters.userId))
      if (filters.status) conditions.push(eb('pods.status', '=', filters.status as PodRow['status']))
      if (filters.gpu) conditions.push(eb('pods.gpu', '=', filters.gpu))
      if (filters.search) {
        const text = filters.search.trim().toLowerCase()
        conditions.push(
          eb.or([eb(sql`lower(pods.name)`, 'like', `%${escapeLike(text)}%`), eb('pods.id', '=', text)]),
        )
      }
      return eb.and(conditions)
    }
    const [{ total }, rows] = await Promise.all([
      this.deps.db
        .selectFrom('pods')
        .where(matching)
        .select((eb) => eb.fn.countAll<number>().as('total'))
        .executeTakeFirstOrThrow(),
      selectPodViews(this.deps.db)
        .where(matching)
        .orderBy('pods.created_at', 'desc')
        .orderBy('pods.id')
        .limit(filters.limit)
        .offset((filters.page - 1) * filters.limit)
        .execute(),
    ])
    const options = this.deps.publisher.options()
    return { total, pods: rows.map((r) => podView(r, options)) }
  }

  /** The pod if the principal may see it: 404 when it does not exist, 403 when it is someone else's. */
  async accessible(principal: Principal, podId: string): Promise<PodRow> {
    if (!POD_ID.test(podId)) throw notFound('Pod not found')
    const pod = await this.deps.db
      .selectFrom('pods')
      .selectAll()
      .where('id', '=', podId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst()
    if (!pod) throw notFound('Pod not found')
    if (pod.user_id !== principal.userId && principal.role !== 'admin')
      throw forbidden('You do not have access to this pod')
    return pod
  }

  async get(principal: Principal, podId: string): Promise<Pod> {
    await this.accessible(principal, podId)
    const pod = await this.deps.publisher.view(podId)
    if (!pod) throw notFound('Pod not found')
    return pod
  }

  async events(principal: Principal, podId: string, limit = 200): Promise<PodEvent[]> {
    await this.accessible(principal, podId)
    const rows = await this.deps.db
      .selectFrom('pod_events')
      .selectAll()
      .where('pod_id', '=', podId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute()
    return rows.reverse().map(podEventView)
  }

  async logs(principal: Principal, podId: string, tail: number): Promise<LogsResult> {
    const pod = await this.accessible(principal, podId)
    if (!pod.compute_active && ['stopped', 'pending'].includes(pod.status)) {
      return {
        available: false,
        reason: `The pod is ${pod.status}: there is no container to read logs from`,
        lines: [],
      }
    }
    await this.deps.audit.record(principal.userId, 'GET_POD_LOGS', 'pod', podId, {})
    return this.deps.runtime.logs(podId, tail)
  }

  /** Live usage from the runtime (the pod object carries the last sample, or says it is unavailable). */
  async stats(principal: Principal, podId: string): Promise<PodStats> {
    const pod = await this.get(principal, podId)
    if (!['creating', 'running'].includes(pod.status) || pod.startedAt === null) return pod.stats
    const live = await this.deps.runtime.stats(podId)
    return {
      ...pod.stats,
      available: live.available,
      reason: live.reason,
      cpuUsage: live.cpuUsage,
      memoryUsedBytes: live.memoryUsedBytes,
      memoryLimitBytes: live.memoryLimitBytes,
      memoryUsage:
        live.memoryUsedBytes !== null && live.memoryLimitBytes
          ? Math.round((live.memoryUsedBytes / live.memoryLimitBytes) * 1000) / 10
          : null,
      gpuUsage: live.gpuUsage,
      gpuMemoryUsage: live.gpuMemoryUsage,
      lastUpdated: live.available ? this.deps.clock.now().toISOString() : null,
    }
  }

  // ---------------------------------------------------------------- create

  async create(principal: Principal, body: CreatePodBody): Promise<Pod> {
    const catalog = await this.deps.pricing.get()
    const problems: FieldError[] = []

    let owner: { id: string; email: string; role: 'client' | 'admin' } = {
      id: principal.userId,
      email: principal.email,
      role: principal.role,
    }
    const assignTo = body.assignToUser?.trim().toLowerCase()
    if (assignTo && assignTo !== principal.email) {
      if (principal.role !== 'admin')
        problems.push({
          field: 'assignToUser',
          message: 'Only administrators can create pods for other users',
        })
      else {
        const target = await this.deps.users.byEmail(assignTo)
        if (!target) problems.push({ field: 'assignToUser', message: `User ${assignTo} not found` })
        else if (target.role !== 'client')
          problems.push({ field: 'assignToUser', message: 'Pods can only be assigned to clients' })
        else owner = target
      }
    }

    let template: TemplateRow | null | 'missing' = null
    if (body.template && (body.deploymentType ?? 'template') === 'template') {
      template =
        (await this.deps.db
          .selectFrom('templates')
          .selectAll()
          .where('id', '=', body.template)
          .executeTakeFirst()) ?? 'missing'
    }
    const { pod: spec, problems: specProblems } = validatePodRequest(body, { catalog, template })
    problems.push(...specProblems)
    const autoStop = resolveAutoStop(body, await this.deps.idleSettings.get(), {
      now: this.deps.clock.now(),
      templateDefault: template && template !== 'missing' ? template.idle_timeout_minutes : null,
      applyDefault: true,
    })
    problems.push(...autoStop.problems)
    if (spec) {
      const clash = await this.deps.db
        .selectFrom('pods')
        .select('id')
        .where('user_id', '=', owner.id)
        .where(sql`lower(name)`, '=', spec.name.toLowerCase())
        .where('deleted_at', 'is', null)
        .executeTakeFirst()
      if (clash)
        problems.push({
          field: 'name',
          message: `${owner.id === principal.userId ? 'You already have' : 'This user already has'} a pod named "${spec.name}"`,
        })
    }
    const mountPath = body.mountPath ?? spec?.volumePath ?? '/workspace'
    const mountProblem = body.mountPath === undefined ? null : mountPathProblem(body.mountPath)
    if (mountProblem) problems.push({ field: 'mountPath', message: mountProblem })
    if (body.volumeId !== undefined && !/^[a-f0-9]{16}$/.test(body.volumeId))
      problems.push({ field: 'volumeId', message: 'Not a volume id' })
    if (problems.length > 0 || !spec) throw badRequest('The pod request has problems', problems)

    const rates = podRates(catalog, spec)
    const now = this.deps.clock.now()
    const podId = newPodId()
    const jupyterToken = spec.enableJupyter ? randomToken(24) : null
    try {
      await runInTransaction(this.deps.db, async (tx) => {
        const { trx } = tx
        const user = await this.lockOwner(trx, owner.id)
        if (user.role === 'client') {
          const count = await trx
            .selectFrom('pods')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('user_id', '=', owner.id)
            .where('deleted_at', 'is', null)
            .executeTakeFirstOrThrow()
          if (count.n >= catalog.settings.pods_per_user) {
            throw new AppError(
              'POD_LIMIT_REACHED',
              409,
              `A client may have at most ${catalog.settings.pods_per_user} pods; delete one first`,
            )
          }
          // An existing volume already accrues (it is in the burn); a new one adds its rate.
          await this.assertAffordable(
            trx,
            user,
            rates.computeRate + (body.volumeId ? 0 : rates.storageRate),
            null,
            catalog.settings.minimum_start_minutes,
          )
        }
        const volume = body.volumeId
          ? await this.attachableVolume(tx, body.volumeId, owner.id)
          : await this.newVolume(
              tx,
              owner.id,
              spec.name,
              spec.volumeDiskSize,
              mountPath,
              rates.storageRate,
              now,
            )
        await trx
          .insertInto('pods')
          .values({
            id: podId,
            volume_id: volume.id,
            slug: newSlug(),
            name: spec.name,
            user_id: owner.id,
            created_by: principal.userId,
            deployment_type: spec.deploymentType,
            template_id: spec.templateId,
            template_name: spec.templateName,
            docker_image: spec.image,
            gpu: spec.gpu,
            gpu_count: spec.gpuCount,
            container_disk_size: spec.containerDiskSize,
            volume_disk_size: volume.size_gb,
            volume_path: mountPath,
            enable_jupyter: spec.enableJupyter,
            jupyter_token_sealed: jupyterToken ? this.deps.secrets.seal(jupyterToken) : null,
            env: JSON.stringify(spec.env),
            start_command: spec.startCommand,
            http_services: JSON.stringify(
              spec.httpServices.map((s) => ({ ...s, status: 'creating', statusReason: null })),
            ),
            tcp_services: JSON.stringify(
              spec.tcpServices.map((s) => ({ ...s, status: 'creating', host: null, hostPort: null })),
            ),
            desired_state: 'running',
            status: 'pending',
            runtime: this.deps.runtime.kind,
            compute_rate: rates.computeRate,
            // The volume accrues on its own row (ADR 0016); compute accrues once the container runs.
            storage_rate: 0,
            billed_until: now,
            created_at: now,
            updated_at: now,
            idle_timeout_minutes: autoStop.value.idleTimeoutMinutes ?? null,
            max_runtime_minutes: autoStop.value.maxRuntimeMinutes ?? null,
            stop_at: autoStop.value.stopAt ?? null,
          })
          .execute()
        await this.deps.publisher.event(
          podId,
          {
            type: 'normal',
            reason: 'Created',
            message: `Pod requested: ${spec.image} on ${spec.gpu === 'cpu' ? 'CPU only' : `${spec.gpuCount} × ${spec.gpu}`}`,
            progress: 0,
          },
          tx,
        )
        await this.deps.audit.record(
          principal.userId,
          'CREATE_POD',
          'pod',
          podId,
          { owner: owner.id, image: spec.image, gpu: spec.gpu },
          trx,
        )
      })
    } catch (error) {
      if (isUniqueViolation(error))
        throw badRequest('The pod request has problems', [
          { field: 'name', message: `A pod named "${spec.name}" already exists` },
        ])
      throw error
    }
    const pod = (await this.deps.publisher.view(podId))!
    this.deps.publisher.created(pod, principal.email)
    this.deps.bus.publish({ kind: 'reconcile', podId })
    return pod
  }

  /**
   * An existing volume for a new pod: the owner's, ready, and held by no other pod unless the admin
   * allows sharing and the runtime offers shared storage (409 naming the pod that holds it).
   */
  private async attachableVolume(tx: Tx, volumeId: string, ownerId: string): Promise<VolumeRow> {
    const volume = await this.deps.volumes.lock(tx, volumeId)
    if (!volume || volume.user_id !== ownerId)
      throw badRequest('The pod request has problems', [
        { field: 'volumeId', message: "No such volume among the owner's volumes" },
      ])
    if (volume.status !== 'ready') throw new AppError('CONFLICT', 409, 'The volume is being deleted')
    if (volume.runtime !== this.deps.runtime.kind)
      throw badRequest('The pod request has problems', [
        { field: 'volumeId', message: `The volume lives on the ${volume.runtime} runtime, not this one` },
      ])
    const holders = await this.deps.volumes.holders(tx, volumeId)
    const sharing = this.deps.volumeSharing && this.deps.runtime.sharedVolumes
    if (holders.length > 0 && !sharing)
      throw new AppError(
        'CONFLICT',
        409,
        `The volume is attached to pod "${holders[0]!.name}"; delete that pod keeping its volume, or choose another volume`,
      )
    return volume
  }

  private async newVolume(
    tx: Tx,
    ownerId: string,
    podName: string,
    sizeGb: number,
    mountPath: string,
    rate: number,
    now: Date,
  ): Promise<VolumeRow> {
    const id = newPodId()
    await this.deps.volumes.insert(
      tx,
      {
        id,
        user_id: ownerId,
        name: await this.freeVolumeName(tx, ownerId, podName),
        size_gb: sizeGb,
        mount_path: mountPath,
        runtime: this.deps.runtime.kind,
        runtime_name: this.deps.runtime.volumeName(id),
        rate,
      },
      now,
    )
    return (await this.deps.volumes.byId(id, tx))!
  }

  /** The pod's name for its new volume, numbered when the owner already has a volume of that name. */
  private async freeVolumeName(tx: Tx, ownerId: string, base: string): Promise<string> {
    for (let n = 1; ; n++) {
      const name = n === 1 ? base : `${base}-${n}`
      if (!(await this.deps.volumes.nameTaken(tx, ownerId, name, null))) return name
    }
  }

  private async lockOwner(trx: Transaction<Database>, userId: string) {
    const select = () =>
      trx
        .selectFrom('users')
        .select(['id', 'role', 'balance', 'suspended_at', 'deleted_at'])
        .where('id', '=', userId)
    // One serialised money check per client: concurrent starts queue here. Admins are not metered
    // and have no pod limit, so their operations need not queue.
    const unlocked = await select().executeTakeFirst()
    const user = unlocked?.role === 'admin' ? unlocked : await select().forUpdate().executeTakeFirst()
    if (!user || user.deleted_at) throw notFound('User not found')
    if (user.suspended_at) throw new AppError('ACCOUNT_SUSPENDED', 403, 'The account is suspended')
    return user
  }

  /**
   * A start needs a balance that covers `minimumStartMinutes` of everything that would then accrue:
   * the volumes of all the user's pods, the compute of pods meant to run, and this pod.
   */
  private async assertAffordable(
    trx: Transaction<Database>,
    user: { id: string; balance: number },
    extraRatePerHour: number,
    excludePodId: string | null,
    minimumStartMinutes: number,
  ): Promise<void> {
    let q = trx
      .selectFrom('pods')
      .select(
        sql<number>`coalesce(sum(storage_rate + case when desired_state = 'running' and status not in ('error', 'stopped') then compute_rate else 0 end), 0)::bigint`.as(
          'burn',
        ),
      )
      .where('user_id', '=', user.id)
      .where('deleted_at', 'is', null)
      .where('desired_state', '<>', 'deleted')
    if (excludePodId) q = q.where('id', '<>', excludePodId)
    const { burn } = await q.executeTakeFirstOrThrow()
    const volumeBurn = await this.deps.volumes.burnOf(trx, user.id)
    const required = Math.ceil(((Number(burn) + volumeBurn + extraRatePerHour) * minimumStartMinutes) / 60)
    if (user.balance < required) {
      throw new AppError(
        'INSUFFICIENT_BALANCE',
        402,
        `Insufficient balance. Required: ${formatEuros(required, 'up')} (${minimumStartMinutes / 60} h of your pods), available: ${formatEuros(user.balance, 'down')}`,
      )
    }
  }

  // ---------------------------------------------------------------- actions

  async start(principal: Principal, podId: string): Promise<PodRow> {
    await this.accessible(principal, podId)
    const catalog = await this.deps.pricing.get()
    const now = this.deps.clock.now()
    const updated = await runInTransaction(this.deps.db, async (tx) => {
      const { trx } = tx
      const pod = await this.deps.podRows.lock(tx, podId)
      if (!pod || pod.desired_state === 'deleted') throw notFound('Pod not found')
      if (pod.status === 'stopping')
        throw invalidState('The pod is stopping; start it again once it has stopped')
      if (pod.desired_state === 'running' && pod.status !== 'error') return null // already starting or running
      const user = await this.lockOwner(trx, pod.user_id)
      if (user.role === 'client') {
        // The pod's volume already accrues (it is in the burn); starting adds its compute.
        await this.assertAffordable(
          trx,
          user,
          pod.compute_rate + pod.storage_rate,
          pod.id,
          catalog.settings.minimum_start_minutes,
        )
      }
      const row = await trx
        .updateTable('pods')
        .set({
          desired_state: 'running',
          status: 'pending',
          status_reason: null,
          exit_code: null,
          // A start joins the GPU queue at the back, whatever place an earlier wait had.
          queued_at: null,
          http_services: JSON.stringify(
            pod.http_services.map((s) => ({ ...s, status: 'creating', statusReason: null })),
          ),
          updated_at: now,
          // Start undoes an automatic stop: the idle deadline counts again from this start, and a
          // stop time already past is dropped (it would stop the pod at once).
          idle_deadline: null,
          idle_warned_deadline: null,
          auto_stop_reason: null,
          stop_at: pod.stop_at && new Date(pod.stop_at).getTime() <= now.getTime() ? null : pod.stop_at,
        })
        .where('id', '=', podId)
        .returningAll()
        .executeTakeFirstOrThrow()
      await this.deps.publisher.event(
        podId,
        { type: 'normal', reason: 'StartRequested', message: 'Start requested', progress: 0 },
        tx,
      )
      await this.deps.audit.record(principal.userId, 'START_POD', 'pod', podId, {}, trx)
      return row
    })
    if (updated) await this.afterChange(podId, 'Pod starting')
    return updated ?? (await this.accessible(principal, podId))
  }

  async stop(principal: Principal, podId: string): Promise<PodRow> {
    await this.accessible(principal, podId)
    const now = this.deps.clock.now()
    const changed = await this.deps.db
      .updateTable('pods')
      .set({
        desired_state: 'stopped',
        status: sql<
          PodRow['status']
        >`case when status in ('pending', 'creating', 'running') then 'stopping' else status end`,
        status_reason: null,
        updated_at: now,
      })
      .where('id', '=', podId)
      .where('desired_state', '=', 'running')
      .returning('id')
      .executeTakeFirst()
    if (changed) {
      await this.deps.publisher.event(podId, {
        type: 'normal',
        reason: 'StopRequested',
        message: 'Stop requested; the volume is kept',
        progress: null,
      })
      await this.deps.audit.record(principal.userId, 'STOP_POD', 'pod', podId, {})
      await this.afterChange(podId, 'Pod stopping')
    }
    return this.accessible(principal, podId)
  }

  /** Deletes the pod; its volume stays the user's unless `keepVolume` is false (ADR 0016). */
  async delete(principal: Principal, podId: string, keepVolume = true): Promise<PodRow> {
    // Idempotent: deleting a pod that is already gone answers as the first delete did.
    const gone = await this.removedPod(principal, podId)
    if (gone) return gone
    await this.accessible(principal, podId)
    const changed = await this.markDeleted(this.deps.db, [podId], !keepVolume)
    if (changed.length > 0) {
      await this.deps.audit.record(principal.userId, 'DELETE_POD', 'pod', podId, { keepVolume })
      await this.afterChange(podId, 'Pod deleting')
    }
    return this.deps.db.selectFrom('pods').selectAll().where('id', '=', podId).executeTakeFirstOrThrow()
  }

  /** The caller's pod that was already deleted and removed, or null (then the usual checks apply). */
  private async removedPod(principal: Principal, podId: string): Promise<PodRow | null> {
    if (!POD_ID.test(podId)) return null
    const pod = await this.deps.db
      .selectFrom('pods')
      .selectAll()
      .where('id', '=', podId)
      .where('deleted_at', 'is not', null)
      .executeTakeFirst()
    if (!pod) return null
    if (pod.user_id !== principal.userId && principal.role !== 'admin') throw notFound('Pod not found')
    return pod
  }

  /**
   * Marks pods for deletion (used by pod delete and user delete). The reconciler removes their
   * resources, and their volumes too when `deleteVolume` (else the volumes stay the user's).
   */
  async markDeleted(
    db: Kysely<Database> | Transaction<Database>,
    podIds: string[],
    deleteVolume = true,
  ): Promise<string[]> {
    if (podIds.length === 0) return []
    const rows = await db
      .updateTable('pods')
      .set({
        desired_state: 'deleted',
        delete_volume: deleteVolume,
        status: 'deleting',
        status_reason: null,
        updated_at: this.deps.clock.now(),
      })
      .where('id', 'in', podIds)
      .where('desired_state', '<>', 'deleted')
      .returning('id')
      .execute()
    return rows.map((r) => r.id)
  }

  /** Publishes a pod whose auto-stop policy changed (nothing for the reconciler to do). */
  async afterPolicyChange(podId: string): Promise<Pod | null> {
    return this.deps.publisher.update(podId)
  }

  /** Publishes the change and wakes the reconciler (on whichever replica leads). */
  async afterChange(podId: string, message?: string): Promise<void> {
    await this.deps.publisher.update(podId, message)
    this.deps.bus.publish({ kind: 'reconcile', podId })
  }

  async setPortAccess(principal: Principal, podId: string, port: number, access: PortAccess): Promise<Pod> {
    await this.accessible(principal, podId)
    const updated = await runInTransaction(this.deps.db, async (tx) => {
      const { trx } = tx
      const pod = await this.deps.podRows.lock(tx, podId)
      if (!pod?.http_services.some((s) => s.port === port)) return false
      await trx
        .updateTable('pods')
        .set({
          http_services: JSON.stringify(
            pod.http_services.map((s) => (s.port === port ? { ...s, access } : s)),
          ),
          updated_at: this.deps.clock.now(),
        })
        .where('id', '=', podId)
        .execute()
      await this.deps.audit.record(principal.userId, 'SET_PORT_ACCESS', 'pod', podId, { port, access }, trx)
      return true
    })
    if (!updated) throw notFound(`Port ${port} is not an HTTP port of this pod`)
    const pod = (await this.deps.publisher.update(podId))!
    // Runtimes whose ingress enforces access (kubernetes) re-apply it from the reconciler.
    this.deps.bus.publish({ kind: 'reconcile', podId })
    return pod
  }
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`)
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: string }).code === '23505'
}
