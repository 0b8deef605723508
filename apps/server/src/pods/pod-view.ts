import { legacyStatus, type Pod, type PodStats } from '@neuropod/contracts'
import { type Kysely, sql } from 'kysely'
import type { Database, PodRow } from '../db/schema.js'
import { podIdleView } from '../idle/idle-view.js'
import { microsToEuros } from '../lib/money.js'
import { type PodUrlSettings, podUrl } from '../lib/pod-urls.js'

export interface PodViewRow extends PodRow {
  owner_email: string
  owner_role: 'client' | 'admin'
  cost_so_far: number
  /** µ€ per hour of the pod's volume (it accrues on its own row, ADR 0016) */
  volume_rate: number | null
}

export interface StatsSample {
  available: boolean
  reason: string | null
  cpuUsage: number | null
  memoryUsedBytes: number | null
  memoryLimitBytes: number | null
  gpuUsage: number | null
  gpuMemoryUsage: number | null
  at: string
}

/** Pods with owner and cost so far, in one query (indexes: pods_* and usage_daily's primary key). */
export function selectPodViews(db: Kysely<Database>) {
  return db
    .selectFrom('pods')
    .innerJoin('users as owner', 'owner.id', 'pods.user_id')
    .selectAll('pods')
    .select(['owner.email as owner_email', 'owner.role as owner_role'])
    .select(
      sql<number>`(select coalesce(sum(u.amount), 0)::bigint from usage_daily u where u.pod_id = pods.id)`.as(
        'cost_so_far',
      ),
    )
    .select(sql<number | null>`(select v.rate from volumes v where v.id = pods.volume_id)`.as('volume_rate'))
}

export interface ViewOptions extends PodUrlSettings {
  now: Date
  /** Why usage numbers are missing when no sample exists (e.g. "Simulated runtime: …") */
  statsUnavailableReason: string
  /** Set while the runtime is unreachable: live pods say their state is the last one known */
  runtimeUnreachable?: string | null
}

/** Statuses whose truth lives in the runtime (a stopped or failed pod's does not). */
const LIVE = new Set(['pending', 'creating', 'running', 'stopping', 'deleting'])

export function podView(row: PodViewRow, options: ViewOptions): Pod {
  const running = row.compute_active && row.started_at !== null
  const uptime = running
    ? Math.max(0, Math.floor((options.now.getTime() - new Date(row.started_at!).getTime()) / 1000))
    : 0
  const sample = (row.runtime_state as { stats?: StatsSample }).stats
  const stats: PodStats =
    running && sample
      ? {
          available: sample.available,
          reason: sample.reason,
          cpuUsage: sample.cpuUsage,
          memoryUsage:
            sample.memoryUsedBytes !== null && sample.memoryLimitBytes
              ? round1((sample.memoryUsedBytes / sample.memoryLimitBytes) * 100)
              : null,
          memoryUsedBytes: sample.memoryUsedBytes,
          memoryLimitBytes: sample.memoryLimitBytes,
          gpuUsage: sample.gpuUsage,
          gpuMemoryUsage: sample.gpuMemoryUsage,
          uptime,
          lastUpdated: sample.at,
        }
      : {
          available: false,
          reason: running ? options.statsUnavailableReason : 'The pod is not running',
          cpuUsage: null,
          memoryUsage: null,
          memoryUsedBytes: null,
          memoryLimitBytes: null,
          gpuUsage: null,
          gpuMemoryUsage: null,
          uptime,
          lastUpdated: null,
        }
  const metered = row.owner_role === 'client'
  const computeCost = metered ? row.compute_rate : 0
  const storageCost = metered ? row.storage_rate + Number(row.volume_rate ?? 0) : 0
  const status = row.status === 'deleted' ? 'deleting' : row.status
  return {
    podId: row.id,
    podName: row.name,
    slug: row.slug,
    userId: row.user_id,
    userEmail: row.owner_email,
    createdBy: row.created_by,
    deploymentType: row.deployment_type,
    templateId: row.template_id,
    templateName: row.template_name,
    dockerImage: row.docker_image,
    gpu: row.gpu,
    gpuCount: row.gpu_count,
    containerDiskSize: row.container_disk_size,
    volumeDiskSize: row.volume_disk_size,
    volumePath: row.volume_path,
    volumeId: row.volume_id,
    enableJupyter: row.enable_jupyter,
    env: row.env as unknown as Record<string, string>,
    startCommand: row.start_command,
    status,
    legacyStatus: legacyStatus(status),
    statusReason:
      options.runtimeUnreachable && LIVE.has(status)
        ? `The container runtime is unreachable (${options.runtimeUnreachable}); showing the last known state${row.status_reason ? `. ${row.status_reason}` : ''}`
        : row.status_reason,
    desiredState: row.desired_state,
    exitCode: row.exit_code,
    httpServices: (row.http_services as unknown as PodRow['http_services'] & object[]).map((s) => ({
      port: s.port,
      serviceName: s.serviceName,
      url: podUrl(row.slug, s.port, options),
      isCustom: s.isCustom,
      status: s.status,
      statusReason: s.statusReason ?? null,
      access: s.access,
      jupyter: s.jupyter,
    })),
    tcpServices: (row.tcp_services as unknown as PodRow['tcp_services'] & object[]).map((s) => ({
      port: s.port,
      serviceName: s.serviceName,
      url: s.host && s.hostPort ? `tcp://${s.host}:${s.hostPort}` : '',
      host: s.host,
      hostPort: s.hostPort,
      isCustom: s.isCustom,
      status: s.status,
    })),
    stats,
    // What accrues now: storage always, compute while the container runs or is on its way up (a
    // stopped or failed pod costs its storage only).
    costPerHour: microsToEuros((computing(row) ? computeCost : 0) + storageCost),
    computeCostPerHour: microsToEuros(computeCost),
    storageCostPerHour: microsToEuros(storageCost),
    costSoFar: microsToEuros(row.cost_so_far),
    metered,
    runtime: row.runtime,
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
    startedAt: iso(row.started_at),
    stoppedAt: iso(row.stopped_at),
    lastActive: iso(row.last_active_at),
    idle: podIdleView(row),
  }
}

function computing(row: PodViewRow): boolean {
  if (row.compute_active) return true
  return row.desired_state === 'running' && row.status !== 'error' && row.status !== 'stopped'
}

function iso(d: Date | string | null): string | null {
  return d === null ? null : new Date(d).toISOString()
}

function round1(n: number): number {
  return Math.round(n * 10) / 10
}
