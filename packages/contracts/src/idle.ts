import Type, { type Static } from 'typebox'
import { Envelope, IsoDate, Nullable } from './common.js'

/** Minutes from 1 minute to 30 days: the bounds of every idle timeout and maximum runtime. */
export const IDLE_MINUTES_MAX = 43_200
const Minutes = (description: string) => Type.Integer({ minimum: 1, maximum: IDLE_MINUTES_MAX, description })

export const ActivitySources = ['http', 'websocket', 'terminal', 'jupyter', 'kernel', 'cpu', 'gpu'] as const
export const ActivitySource = Type.Enum(ActivitySources)
export type ActivitySource = (typeof ActivitySources)[number]

export const AutoStopKinds = ['idle', 'max runtime', 'scheduled'] as const
export const AutoStopKind = Type.Enum(AutoStopKinds)
export type AutoStopKind = (typeof AutoStopKinds)[number]

/** A pod's auto-stop policy and where it stands (ADR 0018). */
export const PodIdle = Type.Object({
  timeoutMinutes: Nullable(
    Type.Integer({ description: 'Stop after this many minutes without activity; null = never' }),
  ),
  maxRuntimeMinutes: Nullable(Type.Integer({ description: 'Stop this long after the container started' })),
  stopAt: Nullable(IsoDate),
  idleDeadline: Nullable(IsoDate),
  nextStop: Nullable(
    Type.Object({
      at: IsoDate,
      kind: AutoStopKind,
    }),
  ),
  /** The latest activity and the signal it came from ("GPU busy 87 %", "kernel running", "HTTP") */
  lastActivity: Nullable(
    Type.Object({ at: IsoDate, source: ActivitySource, detail: Nullable(Type.String()) }),
  ),
  /** Why the platform last stopped the pod on its own: idle 30 min, max runtime, scheduled, balance */
  lastAutoStop: Nullable(Type.String()),
})
export type PodIdle = Static<typeof PodIdle>

export const AutoStopBody = Type.Object(
  {
    idleTimeoutMinutes: Type.Optional(Nullable(Minutes('null = never (where the administrator allows it)'))),
    maxRuntimeMinutes: Type.Optional(Nullable(Minutes('null = no maximum'))),
    stopAt: Type.Optional(Nullable(IsoDate)),
  },
  { additionalProperties: false, minProperties: 1 },
)
export type AutoStopBody = Static<typeof AutoStopBody>

/** The policy fields `POST /api/pods` accepts (same meaning as AutoStopBody). */
export const CreatePodIdleFields = {
  idleTimeoutMinutes: Type.Optional(
    Nullable(
      Minutes(
        "Default: the template's, else the platform's. null = never (where the administrator allows it)",
      ),
    ),
  ),
  maxRuntimeMinutes: Type.Optional(Nullable(Minutes('Stop this long after the container started'))),
  stopAt: Type.Optional(Nullable(IsoDate)),
}

export const ExtendResult = Envelope(
  Type.Object({ podId: Type.String(), idleDeadline: Nullable(IsoDate), extendedByMinutes: Type.Integer() }),
)

export const IdleSettings = Type.Object(
  {
    defaultTimeoutMinutes: Type.Integer(),
    maxTimeoutMinutes: Nullable(Type.Integer({ description: 'null = no maximum' })),
    allowNever: Type.Boolean({ description: 'Whether a pod may have no idle timeout' }),
    warningLeadMinutes: Type.Integer({ description: 'Warn the owner this long before an idle stop' }),
    runwayWarningMinutes: Type.Integer({
      description: 'Warn when the balance covers less than this much of the running pods',
    }),
    updatedAt: Nullable(IsoDate),
  },
  { $id: 'IdleSettings' },
)
export type IdleSettings = Static<typeof IdleSettings>
export const IdleSettingsResponse = Envelope(IdleSettings)
export const UpdateIdleSettingsBody = Type.Object(
  {
    defaultTimeoutMinutes: Type.Optional(Minutes('Platform default idle timeout')),
    maxTimeoutMinutes: Type.Optional(Nullable(Minutes('null = no maximum'))),
    allowNever: Type.Optional(Type.Boolean()),
    warningLeadMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 1440 })),
    runwayWarningMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 43_200 })),
  },
  { additionalProperties: false, minProperties: 1 },
)
export type UpdateIdleSettingsBody = Static<typeof UpdateIdleSettingsBody>

export const NotificationKinds = ['idleWarning', 'autoStopped', 'volumesAtRisk'] as const
export const Notification = Type.Object(
  {
    id: Type.Integer(),
    kind: Type.Enum(NotificationKinds),
    podId: Nullable(Type.String()),
    message: Type.String(),
    createdAt: IsoDate,
  },
  { $id: 'Notification' },
)
export type Notification = Static<typeof Notification>
export const NotificationsQuery = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })) },
  { additionalProperties: false },
)
export const NotificationList = Envelope(Type.Array(Notification))
