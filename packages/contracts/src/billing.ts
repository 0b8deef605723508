import Type, { type Static } from 'typebox'
import { Balance, Envelope, Euros, IsoDate, Nullable, PageInfo, PageQuery, Uuid } from './common.js'

export const LedgerTypes = ['credit', 'usage', 'refund', 'adjustment'] as const
export const LedgerType = Type.Enum(LedgerTypes)
export type LedgerType = (typeof LedgerTypes)[number]

export const LedgerEntry = Type.Object(
  {
    id: Type.Integer(),
    userId: Uuid,
    type: LedgerType,
    amount: Euros,
    balanceAfter: Euros,
    reason: Type.String(),
    actorId: Nullable(Uuid),
    actorEmail: Nullable(Type.String()),
    podId: Nullable(Type.String()),
    podName: Nullable(Type.String()),
    periodStart: Nullable(IsoDate),
    periodEnd: Nullable(IsoDate),
    createdAt: IsoDate,
  },
  { $id: 'LedgerEntry' },
)
export type LedgerEntry = Static<typeof LedgerEntry>

export const LedgerQuery = Type.Object(
  {
    userId: Type.Optional(Uuid),
    type: Type.Optional(LedgerType),
    podId: Type.Optional(Type.String({ maxLength: 64 })),
    ...PageQuery,
  },
  { additionalProperties: false },
)
export const LedgerPage = Type.Object({
  success: Type.Literal(true),
  ...PageInfo,
  data: Type.Array(LedgerEntry),
})

export const UsageQuery = Type.Object(
  {
    userId: Type.Optional(Uuid),
    from: Type.Optional(Type.String({ format: 'date', description: 'First day (UTC), default 30 days ago' })),
    to: Type.Optional(Type.String({ format: 'date', description: 'Last day (UTC), default today' })),
  },
  { additionalProperties: false },
)
export const UsageRow = Type.Object({
  day: Type.String({ description: 'UTC day, YYYY-MM-DD' }),
  podId: Type.String(),
  podName: Type.String(),
  gpu: Type.String(),
  amount: Euros,
  computeSeconds: Type.Integer(),
  storageSeconds: Type.Integer(),
})
export const Usage = Type.Object({
  from: Type.String(),
  to: Type.String(),
  total: Euros,
  rows: Type.Array(UsageRow),
  byDay: Type.Array(Type.Object({ day: Type.String(), amount: Euros })),
  byVolume: Type.Array(
    Type.Object({
      volumeId: Type.String(),
      volumeName: Type.String(),
      amount: Euros,
      storageSeconds: Type.Integer(),
    }),
    { description: 'Storage charged per volume (volumes accrue on their own, attached or not)' },
  ),
  byPod: Type.Array(
    Type.Object({
      podId: Type.String(),
      podName: Type.String(),
      gpu: Type.String(),
      amount: Euros,
      computeSeconds: Type.Integer(),
    }),
  ),
})
export const UsageResponse = Envelope(Usage)

export const BillingSummary = Type.Object({
  balance: Balance,
  unlimited: Type.Boolean(),
  burnRatePerHour: Euros,
  hoursLeft: Nullable(Type.Number({ description: 'At the current burn rate; null when nothing accrues' })),
  runningPods: Type.Integer(),
  lowBalanceThresholdHours: Type.Number(),
  spentLast30Days: Euros,
})
export type BillingSummary = Static<typeof BillingSummary>
export const BillingSummaryResponse = Envelope(BillingSummary)
export const BillingSummaryQuery = Type.Object(
  { userId: Type.Optional(Uuid) },
  { additionalProperties: false },
)
