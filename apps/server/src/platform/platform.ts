import { randomBytes } from 'node:crypto'
import path from 'node:path'
import type { FastifyBaseLogger } from 'fastify'
import { AuditLog } from '../audit/audit-log.js'
import { AuthService } from '../auth/auth.service.js'
import { GoogleVerifier } from '../auth/google.js'
import { BillingService } from '../billing/billing.service.js'
import { Meter } from '../billing/meter.js'
import type { Config } from '../config.js'
import { type DatabaseHandle, openPglite, openPostgres } from '../db/database.js'
import { instanceSetting } from '../db/instance-settings.js'
import { migrateToLatest } from '../db/migrate.js'
import { transactionsOn } from '../db/transaction.js'
import type { ActivitySignal } from '../idle/activity-signal.js'
import { IdleService } from '../idle/idle.service.js'
import { IdleEvaluator } from '../idle/idle-evaluator.js'
import { IdleSettingsRepository } from '../idle/idle-settings.repository.js'
import { NvidiaSmiSignal } from '../idle/signals/gpu-signal.js'
import { JupyterSignal } from '../idle/signals/jupyter-signal.js'
import { SessionsSignal } from '../idle/signals/sessions-signal.js'
import { UsageSignal } from '../idle/signals/usage-signal.js'
import { type Clock, systemClock } from '../lib/clock.js'
import { randomToken } from '../lib/ids.js'
import type { LogDestination } from '../lib/logger.js'
import { SecretBox } from '../lib/secrets.js'
import { MetricsRepository } from '../metrics/metrics.repository.js'
import { MetricsService } from '../metrics/metrics.service.js'
import { MetricsSampler } from '../metrics/sampler.js'
import { NotificationsRepository } from '../notifications/notifications.repository.js'
import { instrumentRuntime } from '../observability/instrumented-runtime.js'
import { PlatformStatsRepository } from '../observability/platform-stats.repository.js'
import { PlatformMetrics } from '../observability/prometheus.js'
import { stockFromAllocations } from '../pods/gpu-allocator.js'
import { PodPublisher } from '../pods/pod-publisher.js'
import { PodsRepository } from '../pods/pods.repository.js'
import { PodsService } from '../pods/pods.service.js'
import { Reconciler } from '../pods/reconciler/reconciler.js'
import { PricingService } from '../pricing/pricing.service.js'
import { type Bus, LocalBus, PostgresBus } from '../realtime/bus.js'
import { unmeasured } from '../runtime/metrics-source.js'
import type { PodRuntime } from '../runtime/pod-runtime.js'
import { createRuntime } from '../runtime/select-runtime.js'
import { SimulatedPodsRepository } from '../runtime/simulated/simulated-pods.repository.js'
import { ShellSessions } from '../shell/shell-sessions.js'
import { ShellSessionsRepository } from '../shell/shell-sessions.repository.js'
import { SshFeature } from '../ssh/ssh-feature.js'
import { StatusService } from '../status/status.service.js'
import { TemplatesService } from '../templates/templates.service.js'
import { type BootstrapResult, bootstrapAdmin } from '../users/admin-bootstrap.js'
import { UsersRepository } from '../users/users.repository.js'
import { UsersService } from '../users/users.service.js'
import { VolumeFiles } from '../volumes/volume-files.js'
import { VolumesRepository } from '../volumes/volumes.repository.js'
import { VolumesService } from '../volumes/volumes.service.js'
import { AdvisoryLockLeader, AlwaysLeader, type LeaderElection } from './leader.js'

/** Everything a running NeuroPod is made of. Built once by `createPlatform`, used by main and tests. */
export interface Platform {
  config: Config
  clock: Clock
  log: FastifyBaseLogger
  replicaId: string
  database: DatabaseHandle
  bus: Bus
  leader: LeaderElection
  runtime: PodRuntime
  secrets: SecretBox
  audit: AuditLog
  pricing: PricingService
  auth: AuthService
  users: UsersService
  templates: TemplatesService
  pods: PodsService
  publisher: PodPublisher
  billing: BillingService
  meter: Meter
  reconciler: Reconciler
  status: StatusService
  /** SSH keys, the gateway's host key and where it listens */
  ssh: SshFeature
  /** Open web terminals and SSH sessions on this replica, and their audit records */
  shells: ShellSessions
  metrics: MetricsService
  /** The leader's per-pod usage sampler (ADR 0017) */
  sampler: MetricsSampler
  /** The control plane's Prometheus metrics (GET /metrics) */
  observability: PlatformMetrics
  idle: IdleService
  idleEvaluator: IdleEvaluator
  notifications: NotificationsRepository
  /** Credentials of the first admin when this start created it with a generated password */
  bootstrap: BootstrapResult
  volumes: VolumesService
  volumeFiles: VolumeFiles
}

export interface PlatformOverrides {
  clock?: Clock
  runtime?: PodRuntime
  database?: DatabaseHandle
  /** Log lines go here instead of stdout */
  logDestination?: LogDestination
  /** The idle evaluator's pull signals (default: Jupyter, engine usage, nvidia-smi) */
  activitySignals?: ActivitySignal[]
}

export async function openDatabase(config: Config): Promise<DatabaseHandle> {
  if (config.databaseUrl) return openPostgres(config.databaseUrl)
  return openPglite({ dataDir: path.join(config.dataDir, 'pglite') })
}

/** The composition root: adapters first, then services that depend only on what they are given. */
export async function createPlatform(
  config: Config,
  log: FastifyBaseLogger,
  overrides: PlatformOverrides = {},
): Promise<Platform> {
  const clock = overrides.clock ?? systemClock
  const replicaId = `${process.pid.toString(36)}-${randomBytes(3).toString('hex')}`
  const database = overrides.database ?? (await openDatabase(config))
  const applied = await migrateToLatest(database.db)
  if (applied.length > 0) log.info({ migrations: applied }, 'database migrated')

  const secret = config.secret ?? (await instanceSetting(database.db, 'secret', () => randomToken(48)))
  const secrets = new SecretBox(secret)
  const onBusError = (error: unknown) => log.error({ err: error }, 'realtime bus error')
  let bus: Bus
  let leader: LeaderElection
  if (database.connectionString) {
    const pgBus = new PostgresBus(database.connectionString, replicaId, onBusError)
    await pgBus.connect()
    bus = pgBus
    leader = new AdvisoryLockLeader(database.connectionString, 5000, (error) =>
      log.warn({ err: error }, 'leader election'),
    )
  } else {
    bus = new LocalBus()
    leader = new AlwaysLeader()
  }

  const observability = new PlatformMetrics(new PlatformStatsRepository(database.db))
  const rawRuntime =
    overrides.runtime ??
    (await createRuntime(config, clock, log, {
      // Labels every runtime object of this installation, so installations (and test servers)
      // sharing one engine never take each other's containers for orphans.
      instanceId: await instanceSetting(database.db, 'instance_id', () => randomBytes(6).toString('hex')),
      publicUrl: config.publicUrl,
      simulationStore: new SimulatedPodsRepository(database.db),
    }))
  // Every call the platform makes to the runtime is timed, logged with its request id and, when it
  // fails, counted for /metrics.
  const runtime = instrumentRuntime(rawRuntime, {
    log: log.child({ component: 'runtime' }),
    failed: (operation) => observability.runtimeErrors.inc({ runtime: rawRuntime.kind, operation }),
  })
  const db = database.db
  const audit = new AuditLog(db, clock)
  const pricing = new PricingService({
    db,
    clock,
    bus,
    seed: config.pricingSeed,
    // The runtime's own count (kubernetes), else the platform's placement table (docker).
    gpuStock: async () => {
      const own = await runtime.gpuStock()
      if (own) return own
      const inventory = await runtime.gpuDevices()
      return inventory ? stockFromAllocations(database.db, inventory) : null
    },
  })
  const google = config.auth.googleClientId
    ? new GoogleVerifier(config.auth.googleClientId, config.auth.googleIssuers, config.auth.googleJwksUrl)
    : null
  const userRows = new UsersRepository(db)
  const podRows = new PodsRepository(db)
  const auth = new AuthService({
    db,
    users: userRows,
    clock,
    bus,
    config: config.auth,
    pricing,
    audit,
    google,
  })
  const statsReason = runtime.simulated
    ? 'Simulated runtime: no container runs, so there is no usage to measure'
    : 'No usage sample yet'
  let reconciler: Reconciler | null = null
  const publisher = new PodPublisher(db, bus, clock, () => ({
    publicUrl: config.publicUrl,
    podDomain: config.podDomain,
    statsUnavailableReason: statsReason,
    runtimeUnreachable: reconciler?.unreachableReason ?? null,
  }))
  const idleSettings = new IdleSettingsRepository(db)
  const volumeRows = new VolumesRepository(db)
  const pods = new PodsService({
    db,
    podRows,
    users: userRows,
    clock,
    bus,
    runtime,
    pricing,
    publisher,
    secrets,
    audit,
    idleSettings,
    volumes: volumeRows,
    volumeSharing: config.volumes.sharing,
  })
  reconciler = new Reconciler({
    pods: podRows,
    volumes: volumeRows,
    transactions: transactionsOn(db),
    clock,
    runtime,
    publisher,
    pricing,
    secrets,
    bus,
    log: log.child({ component: 'reconciler' }),
    readinessGraceSeconds: config.reconciler.readinessGraceSeconds,
    resyncIntervalSeconds: config.reconciler.intervalSeconds,
    cleanupOrphans: config.cleanupOrphans,
    onAction: (action, outcome, seconds) =>
      observability.reconcilerActions.observe({ action, outcome }, seconds),
  })
  const meter = new Meter({
    db,
    podRows,
    clock,
    bus,
    onAutoStop: (podIds) => {
      // The reason first (events, notifications), then the state change every client sees.
      void idleEvaluator
        .recordBalanceStops(podIds)
        .catch((error) => log.warn({ err: error }, 'could not record the balance stop reason'))
        .finally(() => {
          for (const podId of podIds) void pods.afterChange(podId, 'Pod stopping: balance exhausted')
        })
    },
    onError: (error) => log.error({ err: error }, 'meter tick failed'),
    afterSettle: (now) => volumes.warnAtRisk(now),
    onTick: (tick) => observability.meterTick.observe(tick.durationMs / 1000),
  })
  const users = new UsersService({ db, clock, bus, audit, meter, pods, podRows })
  const templates = new TemplatesService({ db, clock, pricing, audit })
  const billing = new BillingService(db, clock)
  const status = new StatusService({
    config,
    clock,
    database,
    runtime,
    pods: podRows,
    replicaId,
    leader,
    runtimeReachable: () => reconciler.reachable,
  })
  const ssh = new SshFeature(config, { db, clock, audit, bus })
  const shells = new ShellSessions({
    repository: new ShellSessionsRepository(db),
    replicaId,
    clock,
    bus,
    log: log.child({ component: 'shell' }),
  })
  const metricsRepository = new MetricsRepository(db)
  const metricsSource = runtime.metrics?.(config.metrics.intervalSeconds) ?? {
    description: `the ${runtime.kind} runtime offers no measurements`,
    collect: async (targets) =>
      targets.map((t) => unmeasured(t.podId, `the ${runtime.kind} runtime offers no measurements`)),
    requestCount: () => 0,
    close: () => {},
  }
  const metrics = new MetricsService({
    repository: metricsRepository,
    clock,
    accessible: (principal, podId) => pods.accessible(principal, podId),
    source: metricsSource.description,
    noSampleReason: runtime.simulated
      ? metricsSource.description
      : 'no sample yet: the pod is not running, or its first interval has not passed',
    intervalSeconds: config.metrics.intervalSeconds,
  })
  const sampler = new MetricsSampler({
    repository: metricsRepository,
    source: metricsSource,
    bus,
    clock,
    log: log.child({ component: 'metrics' }),
    settings: config.metrics,
    onSample: (sample) => observability.samplerInterval.observe(sample.durationMs / 1000),
  })
  const idle = new IdleService({
    db,
    clock,
    audit,
    settings: idleSettings,
    accessible: (principal, podId) => pods.accessible(principal, podId),
    publish: (podId) => pods.afterPolicyChange(podId),
  })
  const idleEvaluator = new IdleEvaluator({
    db,
    clock,
    bus,
    secrets,
    settings: idleSettings,
    // Open terminal/SSH sessions always count (across live replicas); tests replace the others.
    sessions: new SessionsSignal(shells),
    signals: overrides.activitySignals ?? [
      new JupyterSignal(runtime),
      new UsageSignal(runtime, {
        cpuPercent: config.idle.cpuThresholdPercent,
        gpuPercent: config.idle.gpuThresholdPercent,
      }),
      new NvidiaSmiSignal(runtime, config.idle.gpuThresholdPercent),
    ],
    log: log.child({ component: 'idle' }),
    publishStopped: (podIds, message) => publisher.updateMany(podIds, message),
  })
  const notifications = new NotificationsRepository(db)
  const volumes = new VolumesService({
    volumes: volumeRows,
    transactions: transactionsOn(db),
    clock,
    bus,
    runtime,
    pricing,
    audit,
    log: log.child({ component: 'volumes' }),
    riskAfterHours: config.volumes.riskAfterHours,
  })
  const volumeFiles = new VolumeFiles({
    volumes,
    rows: volumeRows,
    transactions: transactionsOn(db),
    runtime,
    audit,
    log: log.child({ component: 'volume-files' }),
    maxBytes: config.volumes.maxTransferBytes,
  })

  bus.subscribe((m) => {
    if (m.kind === 'reconcile') reconciler.enqueue(m.podId)
  })

  await pricing.seed()
  const bootstrap = await bootstrapAdmin(config.auth, auth, userRows)
  const firstAdmin = await userRows.firstAdmin()
  if (firstAdmin) await templates.seed(firstAdmin.id)

  return {
    config,
    clock,
    log,
    replicaId,
    database,
    bus,
    leader,
    runtime,
    secrets,
    audit,
    pricing,
    auth,
    users,
    templates,
    pods,
    publisher,
    billing,
    meter,
    reconciler,
    status,
    ssh,
    shells,
    metrics,
    sampler,
    observability,
    idle,
    idleEvaluator,
    notifications,
    bootstrap,
    volumes,
    volumeFiles,
  }
}
