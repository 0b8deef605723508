import Type from 'typebox'
import { Envelope, IsoDate, Nullable } from './common.js'

export const Health = Type.Object({
  status: Type.Literal('ok'),
  message: Type.String(),
  timestamp: IsoDate,
  environment: Type.String(),
})
export const PublicStatus = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
  message: Type.String(),
  timestamp: IsoDate,
  version: Type.String(),
  runtime: Type.Object({ kind: Type.String(), simulated: Type.Boolean() }),
})

const Check = {
  status: Type.Union([Type.Literal('ok'), Type.Literal('error')]),
  latencyMs: Nullable(Type.Number()),
  error: Nullable(Type.String()),
}
export const SystemStatus = Envelope(
  Type.Object({
    system: Type.Object({
      status: Type.Union([Type.Literal('online'), Type.Literal('degraded')]),
      version: Type.String(),
      uptime: Type.Number({ description: 'Seconds since this server process started' }),
      environment: Type.String(),
      replicaId: Type.String(),
      leader: Type.Boolean({ description: 'Whether this replica runs the reconciler and the meter' }),
    }),
    database: Type.Object({
      ...Check,
      kind: Type.Union([Type.Literal('pglite'), Type.Literal('postgresql')]),
    }),
    runtime: Type.Object({
      ...Check,
      kind: Type.String(),
      simulated: Type.Boolean(),
      version: Nullable(Type.String()),
      details: Type.Record(
        Type.String(),
        Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]),
      ),
    }),
    pods: Type.Object({
      scope: Type.Union([Type.Literal('all'), Type.Literal('own')]),
      total: Type.Integer(),
      running: Type.Integer(),
      stopped: Type.Integer(),
      creating: Type.Integer(),
      byStatus: Type.Record(Type.String(), Type.Integer()),
    }),
  }),
)

export const AdminStats = Envelope(
  Type.Object({
    users: Type.Object({
      total: Type.Integer(),
      admins: Type.Integer(),
      suspended: Type.Integer(),
      online: Type.Integer(),
    }),
    pods: Type.Object({ total: Type.Integer(), byStatus: Type.Record(Type.String(), Type.Integer()) }),
    gpus: Type.Object({
      inUse: Type.Integer({ description: 'GPUs held by running or starting pods' }),
      byType: Type.Record(Type.String(), Type.Integer()),
    }),
    revenue: Type.Object({
      total: Type.Number({ description: 'Usage charged, all time (euros)' }),
      last30Days: Type.Number(),
      byDay: Type.Array(Type.Object({ day: Type.String(), amount: Type.Number(), credits: Type.Number() })),
    }),
  }),
)
