/**
 * The API's shapes, derived from the server's TypeBox schemas in @neuropod/contracts: the web
 * never declares a payload type of its own, so a schema change breaks the build, not the page.
 */
import type {
  AdminPodsQuery,
  AdminStats,
  ApiKey,
  BillingSummary,
  CalculateCostBody,
  CostBreakdown,
  CreatedApiKey,
  DeleteUserResult,
  LedgerEntry,
  LedgerQuery,
  LogsResponse,
  PublicStatus,
  ShellSessionsQuery,
  SuspendResult,
  SystemStatus,
  TemplatesSummary,
  Usage,
  UsersQuery,
} from '@neuropod/contracts'
import type { Static } from 'typebox'

export type {
  CreatePodBody,
  CreateTemplateBody,
  ErrorBody,
  ErrorCode,
  FieldError,
  GpuInfo,
  GpuUsageHistory,
  HttpService,
  IdleSettings,
  LogLine,
  MetricsRange,
  Notification as UserNotification,
  Pod,
  PodEvent,
  PodMetricPoint,
  PodMetricsEvent,
  PodMetricsHistory,
  PodStats,
  PodStatus,
  PortAccess,
  Pricing,
  Role,
  ShellSession,
  SshInfo,
  SshKey,
  TcpService,
  Template,
  UpdateIdleSettingsBody,
  UpdatePricingBody,
  UpdateTemplateBody,
  User,
  Volume,
  VolumeAtRisk,
} from '@neuropod/contracts'

export type ApiKeyInfo = Static<typeof ApiKey>
export type NewApiKey = Static<typeof CreatedApiKey>
export type AdminPodsFilter = Static<typeof AdminPodsQuery>
export type UsersFilter = Static<typeof UsersQuery>
export type LedgerFilter = Omit<Static<typeof LedgerQuery>, 'userId'>
export type LedgerEntryInfo = Static<typeof LedgerEntry>
export type UsageReport = Static<typeof Usage>
export type BillingSummaryInfo = Static<typeof BillingSummary>
export type AdminStatsInfo = Static<typeof AdminStats>['data']
export type PublicStatusInfo = Static<typeof PublicStatus>
export type SystemStatusInfo = Static<typeof SystemStatus>['data']
export type CostRequest = Static<typeof CalculateCostBody>
export type Cost = Static<typeof CostBreakdown>
export type LogsResult = Static<typeof LogsResponse>['data']
export type SuspendOutcome = Static<typeof SuspendResult>
export type DeleteUserOutcome = Static<typeof DeleteUserResult>
export type ShellSessionsFilter = Static<typeof ShellSessionsQuery>
export type TemplatesSummaryInfo = Static<typeof TemplatesSummary>

export interface AuthConfig {
  googleClientId: string | null
  devLogin: boolean
  passwordLogin: boolean
  restrictedEmails: boolean
}

/** A page of a list endpoint (users, admin pods, ledger) */
export interface Page<T> {
  count: number
  total: number
  page: number
  limit: number
  data: T[]
}
