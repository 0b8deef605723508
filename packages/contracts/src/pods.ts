import Type, { type Static } from 'typebox'
import { Envelope, Euros, IsoDate, Multiline, Nullable, PageInfo, PageQuery, PodId, Uuid } from './common.js'
import { CreatePodIdleFields, PodIdle } from './idle.js'
import { PortNumber, ServiceName, VolumePath } from './templates.js'

export const PodStatuses = [
  'pending',
  'creating',
  'running',
  'stopping',
  'stopped',
  'error',
  'deleting',
] as const
export const PodStatus = Type.Enum(PodStatuses)
export type PodStatus = (typeof PodStatuses)[number]

/**
 * The original NeuroPod knew four statuses. Old clients switch on `legacyStatus`, the status mapped
 * onto those: a pod being placed is `creating`, one being stopped still `running`, one being
 * deleted already `stopped`.
 */
export const LegacyPodStatuses = ['creating', 'running', 'stopped', 'error'] as const
export type LegacyPodStatus = (typeof LegacyPodStatuses)[number]
const LEGACY_STATUS: Record<PodStatus, LegacyPodStatus> = {
  pending: 'creating',
  creating: 'creating',
  running: 'running',
  stopping: 'running',
  stopped: 'stopped',
  error: 'error',
  deleting: 'stopped',
}
export const legacyStatus = (status: PodStatus): LegacyPodStatus => LEGACY_STATUS[status]
export const LegacyPodStatus = Type.Enum(LegacyPodStatuses, {
  description:
    "`status` as the original NeuroPod's four: pending → creating, stopping → running, deleting → stopped; creating, running, stopped and error unchanged",
})
export const DesiredStates = ['running', 'stopped', 'deleted'] as const
export const DesiredState = Type.Enum(DesiredStates)
export type DesiredState = (typeof DesiredStates)[number]

export const ServiceStatuses = ['creating', 'ready', 'error', 'stopped'] as const
export const ServiceStatus = Type.Enum(ServiceStatuses)
export type ServiceStatus = (typeof ServiceStatuses)[number]
export const PortAccess = Type.Union([Type.Literal('private'), Type.Literal('public')], {
  description: 'private: owner and admins only; public: anyone with the URL',
})
export type PortAccess = Static<typeof PortAccess>

export const HttpService = Type.Object({
  port: Type.Integer(),
  serviceName: Type.String(),
  url: Type.String(),
  isCustom: Type.Boolean(),
  status: ServiceStatus,
  statusReason: Nullable(Type.String()),
  access: PortAccess,
  jupyter: Type.Boolean({ description: 'This port serves the Jupyter the platform configured' }),
})
export type HttpService = Static<typeof HttpService>

export const TcpService = Type.Object({
  port: Type.Integer(),
  serviceName: Type.String(),
  url: Type.String({ description: 'tcp://host:port, or empty while the pod has no published address' }),
  host: Nullable(Type.String()),
  hostPort: Nullable(Type.Integer()),
  isCustom: Type.Boolean(),
  status: ServiceStatus,
})
export type TcpService = Static<typeof TcpService>

export const PodStats = Type.Object({
  available: Type.Boolean({
    description: 'False when the runtime cannot measure usage; the numbers are then null',
  }),
  reason: Nullable(Type.String()),
  cpuUsage: Nullable(Type.Number()),
  memoryUsage: Nullable(Type.Number()),
  memoryUsedBytes: Nullable(Type.Number()),
  memoryLimitBytes: Nullable(Type.Number()),
  gpuUsage: Nullable(Type.Number()),
  gpuMemoryUsage: Nullable(Type.Number()),
  uptime: Type.Integer({ description: 'Seconds since the container started (0 when not running)' }),
  lastUpdated: Nullable(IsoDate),
})
export type PodStats = Static<typeof PodStats>

export const Pod = Type.Object(
  {
    podId: PodId,
    podName: Type.String(),
    slug: Type.String({ description: 'Stable DNS-safe id used in the pod URLs' }),
    userId: Uuid,
    userEmail: Type.String(),
    createdBy: Nullable(Uuid),
    deploymentType: Type.Union([Type.Literal('template'), Type.Literal('docker')]),
    templateId: Nullable(Type.String()),
    templateName: Nullable(Type.String()),
    dockerImage: Type.String(),
    gpu: Type.String(),
    gpuCount: Type.Integer(),
    containerDiskSize: Type.Integer(),
    volumeDiskSize: Type.Integer(),
    volumePath: Type.String(),
    volumeId: Nullable(Type.String({ description: 'The volume mounted at volumePath (see /api/volumes)' })),
    enableJupyter: Type.Boolean(),
    env: Type.Record(Type.String(), Type.String()),
    startCommand: Nullable(Type.String()),
    status: PodStatus,
    legacyStatus: LegacyPodStatus,
    statusReason: Nullable(Type.String()),
    desiredState: DesiredState,
    exitCode: Nullable(Type.Integer()),
    httpServices: Type.Array(HttpService),
    tcpServices: Type.Array(TcpService),
    stats: PodStats,
    costPerHour: Type.Number({
      description:
        'What accrues now, € per hour: storage, plus compute unless the pod is stopped or failed (a stopped pod costs its storage only)',
    }),
    computeCostPerHour: Type.Number({ description: '€ per hour of compute while the container runs' }),
    storageCostPerHour: Type.Number({ description: '€ per hour of storage (the volume), running or not' }),
    costSoFar: Euros,
    metered: Type.Boolean({ description: 'False when the owner is an administrator' }),
    runtime: Type.String(),
    createdAt: IsoDate,
    updatedAt: IsoDate,
    startedAt: Nullable(IsoDate),
    stoppedAt: Nullable(IsoDate),
    lastActive: Nullable(IsoDate),
    idle: PodIdle,
  },
  { $id: 'Pod' },
)
export type Pod = Static<typeof Pod>

const PortEntry = Type.Union([
  PortNumber,
  Type.Object({ port: PortNumber, serviceName: ServiceName }, { additionalProperties: false }),
])
const PortList = Type.Union([
  Type.String({
    maxLength: 1000,
    description: 'Comma-separated ports, e.g. "8888, 7860" (the original format)',
  }),
  Type.Array(PortEntry, { maxItems: 100 }),
])

// The schema holds sanity bounds only: the server checks every rule against the live catalog and
// reports all problems at once (a 400 with one entry per field).
export const CreatePodBody = Type.Object(
  {
    name: Type.String({ maxLength: 200 }),
    deploymentType: Type.Optional(Type.Union([Type.Literal('template'), Type.Literal('docker')])),
    template: Type.Optional(
      Type.String({ maxLength: 64, description: 'Template id (deploymentType=template)' }),
    ),
    dockerImage: Type.Optional(Type.String({ maxLength: 300 })),
    gpu: Type.String({ maxLength: 64, description: 'GPU type id from the catalog, or "cpu" for none' }),
    gpuCount: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
    containerDiskSize: Type.Optional(Type.Integer({ minimum: -1000000, maximum: 1000000 })),
    volumeDiskSize: Type.Optional(Type.Integer({ minimum: -1000000, maximum: 1000000 })),
    ports: Type.Optional(PortList),
    tcpPorts: Type.Optional(PortList),
    env: Type.Optional(
      Type.Record(Type.String({ maxLength: 200 }), Type.String({ maxLength: 100000, ...Multiline })),
    ),
    startCommand: Type.Optional(Nullable(Type.String({ maxLength: 100000, ...Multiline }))),
    enableJupyter: Type.Optional(Type.Boolean()),
    assignToUser: Type.Optional(Nullable(Type.String({ maxLength: 254 }))),
    ...CreatePodIdleFields,
    volumeId: Type.Optional(
      Type.String({
        maxLength: 64,
        description:
          'Mount this existing volume (yours, not in use) instead of a new one of volumeDiskSize GB',
      }),
    ),
    mountPath: Type.Optional(VolumePath),
  },
  { additionalProperties: false },
)
export type CreatePodBody = Static<typeof CreatePodBody>

export const PodCreated = Type.Object({
  success: Type.Literal(true),
  data: Type.Object({
    podId: PodId,
    podName: Type.String(),
    status: PodStatus,
    message: Type.String(),
    pod: Pod,
  }),
})

export const PodParams = Type.Object({ podId: Type.String({ maxLength: 64 }) })
export const DeletePodQuery = Type.Object(
  {
    keepVolume: Type.Optional(
      Type.Boolean({
        default: true,
        description: "Keep the pod's volume (default): it stays yours, metered, attachable to a new pod",
      }),
    ),
  },
  { additionalProperties: false },
)
export const PodList = Type.Object({
  success: Type.Literal(true),
  count: Type.Integer(),
  data: Type.Array(Pod),
})
export const OwnPodsQuery = Type.Object(
  {
    userEmail: Type.Optional(
      Type.String({ maxLength: 254, description: "Admins only: list this user's pods" }),
    ),
  },
  { additionalProperties: false },
)
export const AdminPodsQuery = Type.Object(
  {
    userEmail: Type.Optional(Type.String({ maxLength: 254, description: "Substring of the owner's e-mail" })),
    userId: Type.Optional(Uuid),
    status: Type.Optional(PodStatus),
    gpu: Type.Optional(Type.String({ maxLength: 64 })),
    search: Type.Optional(Type.String({ maxLength: 100, description: 'Substring of the pod name or id' })),
    ...PageQuery,
  },
  { additionalProperties: false },
)
export const AdminPodPage = Type.Object({ success: Type.Literal(true), ...PageInfo, data: Type.Array(Pod) })
export const PodResponse = Envelope(Pod)

export const PodActionResult = Type.Object({
  success: Type.Literal(true),
  message: Type.String(),
  data: Type.Object({ podId: PodId, status: PodStatus, desiredState: DesiredState }),
})

export const Connections = Type.Object({
  podId: PodId,
  podName: Type.String(),
  status: PodStatus,
  legacyStatus: LegacyPodStatus,
  httpServices: Type.Array(HttpService),
  tcpServices: Type.Array(TcpService),
})
export type Connections = Static<typeof Connections>
export const ConnectionsResponse = Envelope(Connections)

export const LogLine = Type.Object({
  timestamp: Nullable(IsoDate),
  stream: Type.Union([Type.Literal('stdout'), Type.Literal('stderr'), Type.Literal('system')]),
  message: Type.String(),
})
export type LogLine = Static<typeof LogLine>
export const LogsQuery = Type.Object(
  {
    tail: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, default: 500 })),
  },
  { additionalProperties: false },
)
export const LogsResponse = Envelope(
  Type.Object({
    logs: Type.String({ description: 'Plain text, one line per entry (the original format)' }),
    lines: Type.Array(LogLine),
    available: Type.Boolean(),
    reason: Nullable(Type.String()),
  }),
)

export const PodEvent = Type.Object(
  {
    id: Type.Integer(),
    podId: PodId,
    at: IsoDate,
    type: Type.Union([Type.Literal('normal'), Type.Literal('warning')]),
    reason: Type.String({
      description: 'Short machine-friendly reason, e.g. Pulling, Started, Ready, Exited',
    }),
    message: Type.String(),
    progress: Nullable(Type.Integer({ minimum: 0, maximum: 100 })),
  },
  { $id: 'PodEvent' },
)
export type PodEvent = Static<typeof PodEvent>
export const PodEventsResponse = Envelope(Type.Array(PodEvent))

export const PortAccessParams = Type.Object({
  podId: Type.String({ maxLength: 64 }),
  port: Type.Integer({ minimum: 1, maximum: 65535 }),
})
export const PortAccessBody = Type.Object({ access: PortAccess }, { additionalProperties: false })

export const OpenLinkBody = Type.Object(
  {
    path: Type.Optional(
      Type.String({
        maxLength: 2048,
        pattern: '^/',
        description: 'Where to land on the pod host, e.g. /lab (default /)',
      }),
    ),
  },
  { additionalProperties: false },
)
export const OpenLink = Type.Object({
  url: Type.String({
    description:
      'Opens the pod URL signed in; works once, until expiresAt. Open it in the browser, never share it',
  }),
  expiresAt: IsoDate,
})
export type OpenLink = Static<typeof OpenLink>
export const OpenLinkResponse = Envelope(OpenLink)

export const StatsResponse = Envelope(PodStats)
