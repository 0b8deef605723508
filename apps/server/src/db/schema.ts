import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely'

/** Row types of the current schema. Migrations never import this file (they are frozen in time). */

type Timestamp = ColumnType<Date, Date | string, Date | string>
type Json<T> = ColumnType<T, string, string>

export interface PortRecord {
  port: number
  serviceName: string
  isCustom: boolean
}
export interface HttpServiceRecord extends PortRecord {
  access: 'private' | 'public'
  status: 'creating' | 'ready' | 'error' | 'stopped'
  statusReason: string | null
  jupyter: boolean
}
export interface TcpServiceRecord extends PortRecord {
  status: 'creating' | 'ready' | 'error' | 'stopped'
  host: string | null
  hostPort: number | null
}

export interface UsersTable {
  id: string
  email: string
  name: string
  avatar: string | null
  password_hash: string | null
  google_sub: string | null
  role: 'client' | 'admin'
  balance: ColumnType<number, number | undefined, number>
  balance_alert: ColumnType<
    'none' | 'low' | 'empty',
    'none' | 'low' | 'empty' | undefined,
    'none' | 'low' | 'empty'
  >
  suspended_at: Timestamp | null
  suspended_reason: string | null
  deleted_at: Timestamp | null
  created_at: Timestamp
  updated_at: Timestamp
  last_login_at: Timestamp | null
  last_seen_at: Timestamp | null
}

export interface SessionsTable {
  id: string
  user_id: string
  token_hash: string
  provider: string
  created_at: Timestamp
  expires_at: Timestamp
  last_used_at: Timestamp | null
  revoked_at: Timestamp | null
  user_agent: string | null
}

export interface ApiKeysTable {
  id: string
  user_id: string
  name: string
  prefix: string
  key_hash: string
  created_at: Timestamp
  last_used_at: Timestamp | null
  revoked_at: Timestamp | null
}

export interface GpuTypesTable {
  id: string
  name: string
  price_per_hour: number
  available: boolean
  memory: string
  cores: number
  performance: string
  sort_order: number
  updated_at: Timestamp
}

export interface PricingSettingsTable {
  id: number
  container_disk_price: number
  container_disk_unit: string
  container_disk_description: string
  volume_disk_price: number
  volume_disk_unit: string
  volume_disk_description: string
  container_disk_max: number
  volume_disk_max: number
  ports_max: number
  pods_per_user: number
  gpu_count_max: number
  free_tier_enabled: boolean
  initial_balance: number
  low_balance_threshold_minutes: number
  minimum_start_minutes: number
  updated_at: Timestamp | null
  updated_by: string | null
}

export interface TemplatesTable {
  id: string
  name: string
  docker_image: string
  http_ports: Json<PortRecordInput[]>
  tcp_ports: Json<PortRecordInput[]>
  container_disk_size: number
  volume_disk_size: number
  volume_path: string
  enable_jupyter: boolean
  env: Json<Record<string, string>>
  start_command: string | null
  description: string
  created_by: string | null
  /** Idle timeout for pods from this template; null = the platform default (ADR 0018) */
  idle_timeout_minutes: ColumnType<number | null, number | null | undefined, number | null>
  created_at: Timestamp
  updated_at: Timestamp
}
export interface PortRecordInput {
  port: number
  serviceName: string
}

export type PodStatusValue =
  | 'pending'
  | 'creating'
  | 'running'
  | 'stopping'
  | 'stopped'
  | 'error'
  | 'deleting'
  | 'deleted'
export type DesiredStateValue = 'running' | 'stopped' | 'deleted'

export interface PodsTable {
  id: string
  slug: string
  name: string
  user_id: string
  created_by: string | null
  deployment_type: 'template' | 'docker'
  template_id: string | null
  template_name: string | null
  docker_image: string
  gpu: string
  gpu_count: number
  container_disk_size: number
  volume_disk_size: number
  volume_path: string
  enable_jupyter: boolean
  jupyter_token_sealed: string | null
  env: Json<Record<string, string>>
  start_command: string | null
  http_services: Json<HttpServiceRecord[]>
  tcp_services: Json<TcpServiceRecord[]>
  desired_state: DesiredStateValue
  status: PodStatusValue
  status_reason: string | null
  exit_code: number | null
  runtime: string
  runtime_state: ColumnType<Record<string, unknown>, string | undefined, string>
  compute_rate: number
  storage_rate: number
  compute_active: ColumnType<boolean, boolean | undefined, boolean>
  billed_until: Timestamp | null
  billing_carry: ColumnType<number, number | undefined, number>
  created_at: Timestamp
  updated_at: Timestamp
  started_at: Timestamp | null
  stopped_at: Timestamp | null
  last_active_at: Timestamp | null
  deleted_at: Timestamp | null
  // Idle auto-stop (ADR 0018). idle_timeout_minutes null = never.
  idle_timeout_minutes: ColumnType<number | null, number | null | undefined, number | null>
  max_runtime_minutes: ColumnType<number | null, number | null | undefined, number | null>
  stop_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
  idle_deadline: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
  /** The deadline the owner was last warned about (one warning per deadline) */
  idle_warned_deadline: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
  last_activity_source: ColumnType<string | null, string | null | undefined, string | null>
  last_activity_detail: ColumnType<string | null, string | null | undefined, string | null>
  /** Why the platform last stopped the pod on its own (idle 30 min, max runtime, scheduled, balance) */
  auto_stop_reason: ColumnType<string | null, string | null | undefined, string | null>
  /** The volume mounted at volume_path (ADR 0016); null only on pods deleted before volumes existed */
  volume_id: string | null
  /** Whether removing the pod removes its volume too */
  delete_volume: ColumnType<boolean, boolean | undefined, boolean>
  /** When the pod began to wait for a GPU of its type (the queue's order, ADR 0023); null: not queued */
  queued_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
}

export interface PodEventsTable {
  id: Generated<number>
  pod_id: string
  at: Timestamp
  type: 'normal' | 'warning'
  reason: string
  message: string
  progress: number | null
}

export interface LedgerTable {
  id: Generated<number>
  user_id: string
  type: 'credit' | 'usage' | 'refund' | 'adjustment'
  amount: number
  balance_after: number
  reason: string
  actor_id: string | null
  pod_id: string | null
  period_start: Timestamp | null
  period_end: Timestamp | null
  created_at: Timestamp
}

export interface UsageDailyTable {
  pod_id: string
  day: ColumnType<string, string, string>
  user_id: string
  amount: number
  compute_ms: number
  storage_ms: number
}

export interface GpuAllocationsTable {
  device_id: string
  gpu_type: string
  pod_id: string
  allocated_at: Timestamp
}

export interface AuditLogTable {
  id: Generated<number>
  at: Timestamp
  actor_id: string | null
  action: string
  target_type: string | null
  target_id: string | null
  details: Json<Record<string, unknown>>
}

export interface InstanceSettingsTable {
  key: string
  value: string
  created_at: ColumnType<Date, Date | string | undefined, never>
}

/** Ids of redeemed pod URL sign-in tickets (one-time use across replicas) */
export interface ProxyUsedTicketsTable {
  id: string
  expires_at: Timestamp
}

export interface Database {
  users: UsersTable
  sessions: SessionsTable
  api_keys: ApiKeysTable
  gpu_types: GpuTypesTable
  pricing_settings: PricingSettingsTable
  templates: TemplatesTable
  pods: PodsTable
  pod_events: PodEventsTable
  ledger: LedgerTable
  usage_daily: UsageDailyTable
  gpu_allocations: GpuAllocationsTable
  audit_log: AuditLogTable
  instance_settings: InstanceSettingsTable
  proxy_used_tickets: ProxyUsedTicketsTable
  simulated_pods: SimulatedPodsTable
  ssh_keys: SshKeysTable
  shell_sessions: ShellSessionsTable
  replicas: ReplicasTable
  pod_metric_samples: PodMetricSamplesTable
  pod_metric_minutes: PodMetricMinutesTable
  gpu_usage_minutes: GpuUsageMinutesTable
  idle_settings: IdleSettingsTable
  notifications: NotificationsTable
  volumes: VolumesTable
  volume_usage_daily: VolumeUsageDailyTable
}

/** Platform idle policy, one row (id = 1). */
export interface IdleSettingsTable {
  id: number
  default_timeout_minutes: number
  max_timeout_minutes: number | null
  allow_never: boolean
  warning_lead_minutes: number
  runway_warning_minutes: number
  updated_at: Timestamp | null
  updated_by: string | null
}

/** The user's in-app notification list (idle warnings and automatic stops). */
export interface NotificationsTable {
  id: Generated<number>
  user_id: string
  pod_id: string | null
  kind: string
  message: string
  created_at: Timestamp
}

/** The simulated runtime's state per pod (runtime/simulated/simulation-store.ts describes `state`). */
export interface SimulatedPodsTable {
  pod_id: string
  state: Json<unknown>
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>
}

/** A user's volume: outlives pods, metered on its own while it exists (ADR 0016). */
export interface VolumesTable {
  id: string
  user_id: string
  name: string
  size_gb: number
  mount_path: string
  runtime: string
  /** The runtime object's name (docker volume, PVC, simulation key); never renamed */
  runtime_name: string
  status: 'ready' | 'deleting' | 'deleted'
  /** µ€ per hour, frozen at creation and at each resize */
  rate: number
  billed_until: Timestamp | null
  billing_carry: ColumnType<number, number | undefined, number>
  created_at: Timestamp
  updated_at: Timestamp
  deleted_at: Timestamp | null
}

export interface VolumeUsageDailyTable {
  volume_id: string
  day: ColumnType<string, string, string>
  user_id: string
  amount: number
  storage_ms: number
}

export type UserRow = Selectable<UsersTable>
export type VolumeRow = Selectable<VolumesTable>
export type NewUser = Insertable<UsersTable>
export type PodRow = Selectable<PodsTable>
export type NewPod = Insertable<PodsTable>
export type PodUpdate = Updateable<PodsTable>
export type TemplateRow = Selectable<TemplatesTable>
export type GpuTypeRow = Selectable<GpuTypesTable>
export type PricingSettingsRow = Selectable<PricingSettingsTable>
export type LedgerRow = Selectable<LedgerTable>
export type PodEventRow = Selectable<PodEventsTable>

/** SSH public keys on accounts (ssh/ssh-keys.repository.ts) */
export interface SshKeysTable {
  id: string
  user_id: string
  name: string
  algorithm: string
  /** base64 of the OpenSSH public key blob */
  public_key: string
  /** `SHA256:` + unpadded base64 of the blob's SHA-256, as `ssh-keygen -l` prints it */
  fingerprint: string
  comment: string | null
  created_at: Timestamp
  last_used_at: Timestamp | null
}

/** Every shell into a pod: web terminals and SSH sessions (ssh/shell-sessions.repository.ts) */
export interface ShellSessionsTable {
  id: string
  user_id: string
  pod_id: string
  kind: 'terminal' | 'ssh'
  /** What ran: shell, exec, sftp, forward to a port */
  detail: string
  remote_address: string | null
  started_at: Timestamp
  ended_at: Timestamp | null
  /** The replica holding the session (null: recorded before replicas were tracked) */
  replica_id: string | null
}

/** Every running replica's heartbeat; a replica silent for longer than its TTL is dead. */
export interface ReplicasTable {
  id: string
  started_at: Timestamp
  heartbeat_at: Timestamp
}

/** Per-pod usage figures (metrics/); null = not measured. bigint columns arrive as strings. */
interface MetricColumns {
  cpu_percent: number | null
  memory_used_bytes: ColumnType<string | null, number | null, number | null>
  memory_limit_bytes: ColumnType<string | null, number | null, number | null>
  net_rx_bps: number | null
  net_tx_bps: number | null
  gpu_util_percent: number | null
  vram_used_bytes: ColumnType<string | null, number | null, number | null>
  vram_total_bytes: ColumnType<string | null, number | null, number | null>
  gpu_temp_c: number | null
  gpu_power_w: number | null
}

export interface PodMetricSamplesTable extends MetricColumns {
  pod_id: string
  at: Timestamp
  /** figure → why it is missing, or null when every figure was measured */
  unavailable: ColumnType<Record<string, string> | null, string | null, string | null>
}

export interface PodMetricMinutesTable extends MetricColumns {
  pod_id: string
  minute: Timestamp
  samples: number
}

export interface GpuUsageMinutesTable {
  minute: Timestamp
  gpu_type: string
  gpus: number
}
