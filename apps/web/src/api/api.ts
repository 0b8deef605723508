import { http } from './client'
import type {
  AdminPodsFilter,
  AdminStatsInfo,
  ApiKeyInfo,
  AuthConfig,
  BillingSummaryInfo,
  Cost,
  CostRequest,
  CreatePodBody,
  CreateTemplateBody,
  DeleteUserOutcome,
  GpuInfo,
  GpuUsageHistory,
  IdleSettings,
  LedgerEntryInfo,
  LedgerFilter,
  LogsResult,
  MetricsRange,
  NewApiKey,
  Page,
  Pod,
  PodEvent,
  PodMetricsHistory,
  PodStats,
  PortAccess,
  Pricing,
  PublicStatusInfo,
  Role,
  ShellSession,
  ShellSessionsFilter,
  SshInfo,
  SshKey,
  SuspendOutcome,
  SystemStatusInfo,
  Template,
  UpdateIdleSettingsBody,
  UpdatePricingBody,
  UpdateTemplateBody,
  UsageReport,
  User,
  UserNotification,
  UsersFilter,
  Volume,
  VolumeAtRisk,
} from './types'

interface Data<T> {
  success: true
  data: T
}
interface Auth {
  success: true
  token: string
  user: User
}
type PodAction = Data<{ podId: string; status: Pod['status']; desiredState: Pod['desiredState'] }>
type Listed<T> = { success: true } & Page<T>

const unwrap = <T>(r: Data<T>) => r.data
const enc = encodeURIComponent

/** One function per endpoint; envelopes are unwrapped here and nowhere else. */
export const api = {
  auth: {
    config: () => http.get<Data<AuthConfig>>('/api/auth/config').then(unwrap),
    session: () => http.get<Data<User | null>>('/api/auth/session').then(unwrap),
    login: (email: string, password: string) =>
      http.post<Auth>('/api/auth/login', { email, password }).then((r) => r.user),
    register: (body: { email: string; password: string; name: string }) =>
      http.post<Auth>('/api/auth/register', body).then((r) => r.user),
    google: (token: string) => http.post<Auth>('/api/auth/google', { token }).then((r) => r.user),
    devLogin: (email: string) => http.post<Auth>('/api/auth/mock-login', { email }).then((r) => r.user),
    logout: () => http.post<{ success: true }>('/api/auth/logout', {}),
    updateProfile: (body: { name?: string }) => http.patch<Data<User>>('/api/auth/me', body).then(unwrap),
    changePassword: (body: { currentPassword?: string; newPassword: string }) =>
      http.post<{ success: true }>('/api/auth/me/password', body),
    apiKeys: () => http.get<Data<ApiKeyInfo[]>>('/api/auth/api-keys').then(unwrap),
    createApiKey: (name: string) => http.post<Data<NewApiKey>>('/api/auth/api-keys', { name }).then(unwrap),
    revokeApiKey: (id: string) => http.delete<{ success: true }>(`/api/auth/api-keys/${enc(id)}`),
  },
  volumes: {
    list: () => http.get<Data<Volume[]>>('/api/volumes').then(unwrap),
    atRisk: () => http.get<Data<VolumeAtRisk[]>>('/api/admin/volumes/at-risk').then(unwrap),
    create: (body: { name: string; size: number }) =>
      http.post<Data<Volume>>('/api/volumes', body).then(unwrap),
    update: ({ volumeId, ...body }: { volumeId: string; name?: string; size?: number }) =>
      http.patch<Data<Volume>>(`/api/volumes/${enc(volumeId)}`, body).then(unwrap),
    remove: (volumeId: string) => http.delete<{ success: true }>(`/api/volumes/${enc(volumeId)}`),
  },
  ssh: {
    info: () => http.get<Data<SshInfo>>('/api/ssh/info').then(unwrap),
    keys: () => http.get<Data<SshKey[]>>('/api/ssh-keys').then(unwrap),
    addKey: (body: { publicKey: string; name?: string }) =>
      http.post<Data<SshKey>>('/api/ssh-keys', body).then(unwrap),
    deleteKey: (id: string) => http.delete<{ success: true }>(`/api/ssh-keys/${enc(id)}`),
    sessions: (filter: ShellSessionsFilter) =>
      http.get<Listed<ShellSession>>('/api/admin/shell-sessions', { ...filter }),
  },
  users: {
    list: (filter: UsersFilter) => http.get<Listed<User>>('/api/auth/users', { ...filter }),
    credit: (userId: string, amount: number, reason: string) =>
      http.post<Data<{ balance: User['balance'] }>>('/api/auth/users/credit', { userId, amount, reason }),
    setBalance: (userId: string, balance: number, reason: string) =>
      http.post<Data<{ balance: User['balance'] }>>('/api/auth/users/balance', { userId, balance, reason }),
    suspend: (userId: string, reason?: string) =>
      http
        .post<Data<SuspendOutcome>>('/api/auth/users/suspend', reason ? { userId, reason } : { userId })
        .then(unwrap),
    unsuspend: (userId: string) => http.post<Data<unknown>>('/api/auth/users/unsuspend', { userId }),
    setRole: (userId: string, role: Role) =>
      http.post<Data<User>>('/api/auth/users/role', { userId, role }).then(unwrap),
    remove: (userId: string) =>
      http.delete<Data<DeleteUserOutcome>>(`/api/auth/users/${enc(userId)}`).then(unwrap),
  },
  pricing: {
    public: () =>
      http
        .get<Data<Omit<Pricing, 'updatedAt' | 'updatedBy' | 'updatedByEmail'>>>('/api/pricing/public')
        .then(unwrap),
    full: () => http.get<Data<Pricing>>('/api/pricing').then(unwrap),
    gpus: () => http.get<Data<GpuInfo[]>>('/api/pricing/gpus').then(unwrap),
    calculate: (body: CostRequest) => http.post<Data<Cost>>('/api/pricing/calculate-cost', body).then(unwrap),
    update: (body: UpdatePricingBody) => http.put<Data<Pricing>>('/api/pricing', body).then(unwrap),
    reset: () => http.post<Data<Pricing>>('/api/pricing/reset', {}).then(unwrap),
  },
  templates: {
    list: () => http.get<Template[]>('/api/templates'),
    create: (body: CreateTemplateBody) =>
      http.post<{ template: Template }>('/api/templates', body).then((r) => r.template),
    update: (id: string, body: UpdateTemplateBody) =>
      http.put<{ template: Template }>(`/api/templates/${enc(id)}`, body).then((r) => r.template),
    remove: (id: string) => http.delete<{ podsUsingTemplate: number }>(`/api/templates/${enc(id)}`),
  },
  pods: {
    own: () => http.get<Data<Pod[]>>('/api/pods').then(unwrap),
    admin: (filter: AdminPodsFilter) => http.get<Listed<Pod>>('/api/pods/admin', { ...filter }),
    get: (podId: string) => http.get<Data<Pod>>(`/api/pods/${enc(podId)}`).then(unwrap),
    create: (body: CreatePodBody) => http.post<Data<{ pod: Pod }>>('/api/pods', body).then((r) => r.data.pod),
    events: (podId: string) => http.get<Data<PodEvent[]>>(`/api/pods/${enc(podId)}/events`).then(unwrap),
    stats: (podId: string) => http.get<Data<PodStats>>(`/api/pods/${enc(podId)}/stats`).then(unwrap),
    metrics: (podId: string, range: MetricsRange) =>
      http.get<Data<PodMetricsHistory>>(`/api/pods/${enc(podId)}/metrics`, { range }).then(unwrap),
    logs: (podId: string, tail: number) =>
      http.get<Data<LogsResult>>(`/api/pods/${enc(podId)}/logs`, { tail }).then(unwrap),
    start: (podId: string) => http.post<PodAction>(`/api/pods/${enc(podId)}/start`).then(unwrap),
    stop: (podId: string) => http.post<PodAction>(`/api/pods/${enc(podId)}/stop`).then(unwrap),
    /** Deletes the pod; its volume stays the user's unless `keepVolume` is false. */
    remove: (podId: string, keepVolume = true) =>
      http.delete<PodAction>(`/api/pods/${enc(podId)}${keepVolume ? '' : '?keepVolume=false'}`).then(unwrap),
    setPortAccess: (podId: string, port: number, access: PortAccess) =>
      http.patch<Data<Pod>>(`/api/pods/${enc(podId)}/ports/${port}`, { access }).then(unwrap),
    setAutoStop: (
      podId: string,
      body: { idleTimeoutMinutes: number | null; maxRuntimeMinutes: number | null; stopAt: string | null },
    ) => http.patch<Data<Pod>>(`/api/pods/${enc(podId)}/auto-stop`, body).then(unwrap),
    extend: (podId: string) =>
      http
        .post<Data<{ podId: string; idleDeadline: string | null; extendedByMinutes: number }>>(
          `/api/pods/${enc(podId)}/extend`,
        )
        .then(unwrap),
  },
  idle: {
    settings: () => http.get<Data<IdleSettings>>('/api/settings/idle').then(unwrap),
    updateSettings: (body: UpdateIdleSettingsBody) =>
      http.put<Data<IdleSettings>>('/api/settings/idle', body).then(unwrap),
    notifications: () => http.get<Data<UserNotification[]>>('/api/notifications', { limit: 50 }).then(unwrap),
  },
  billing: {
    summary: () => http.get<Data<BillingSummaryInfo>>('/api/billing/summary').then(unwrap),
    ledger: (filter: LedgerFilter) => http.get<Listed<LedgerEntryInfo>>('/api/billing/ledger', { ...filter }),
    usage: (from?: string, to?: string) =>
      http.get<Data<UsageReport>>('/api/billing/usage', { from, to }).then(unwrap),
    adminStats: (days: number) => http.get<Data<AdminStatsInfo>>('/api/admin/stats', { days }).then(unwrap),
    gpuUsage: (range: '24h' | '7d') =>
      http.get<Data<GpuUsageHistory>>('/api/admin/metrics/gpus', { range }).then(unwrap),
  },
  status: {
    public: () => http.get<PublicStatusInfo>('/api/status/public'),
    system: () => http.get<Data<SystemStatusInfo>>('/api/status').then(unwrap),
  },
}
