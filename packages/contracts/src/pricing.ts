import Type, { type Static } from 'typebox'
import { Envelope, Euros, IsoDate, Nullable } from './common.js'
import { GPU_ID_PATTERN } from './patterns.js'

export const GpuId = Type.String({ pattern: GPU_ID_PATTERN, minLength: 1, maxLength: 32 })

const Text = (max: number) => Type.String({ maxLength: max, pattern: '^[^\\u0000-\\u001f\\u007f]*$' })

export const GpuSpecs = Type.Object(
  {
    memory: Text(60),
    cores: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
    performance: Text(60),
  },
  { additionalProperties: false },
)
export const Price = Type.Number({
  minimum: 0,
  maximum: 100000,
  description: 'Euros per hour (up to 6 decimals)',
})

export const GpuType = Type.Object({
  name: Type.String(),
  price: Euros,
  available: Type.Boolean(),
  specs: GpuSpecs,
})
export type GpuType = Static<typeof GpuType>

export const GpuInfo = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    price: Euros,
    available: Type.Boolean(),
    specs: GpuSpecs,
    stock: Type.Union(
      [
        Type.Object({
          total: Type.Integer(),
          free: Type.Integer(),
          source: Type.String({
            description: 'Where the count comes from: configuration, nvidia-smi, cluster',
          }),
        }),
        Type.Null(),
      ],
      { description: 'Live inventory of this GPU type, or null when the runtime has no inventory for it' },
    ),
  },
  { $id: 'GpuInfo' },
)
export type GpuInfo = Static<typeof GpuInfo>

export const StoragePrice = Type.Object({ price: Euros, unit: Type.String(), description: Type.String() })

export const Limits = Type.Object({
  containerDiskMax: Type.Integer({ description: 'GB' }),
  volumeDiskMax: Type.Integer({ description: 'GB' }),
  portsMax: Type.Integer({ description: 'HTTP + TCP ports per pod' }),
  podsPerUser: Type.Integer({ description: 'Pods a client may own (not counting deleted ones)' }),
  gpuCountMax: Type.Integer({ description: 'GPUs per pod' }),
})
export type Limits = Static<typeof Limits>

export const Pricing = Type.Object(
  {
    gpus: Type.Record(Type.String(), GpuType),
    storage: Type.Object({ containerDisk: StoragePrice, volumeDisk: StoragePrice }),
    limits: Limits,
    freeTier: Type.Object({ enabled: Type.Boolean(), initialBalance: Euros }),
    billing: Type.Object({
      currency: Type.Literal('EUR'),
      lowBalanceThresholdHours: Type.Number({
        description: 'Alert when the balance covers less than this at the current burn rate',
      }),
      minimumStartHours: Type.Number({
        description: 'A start needs a balance covering this many hours of the pods that would run',
      }),
    }),
    availableGpus: Type.Array(Type.String()),
    updatedAt: Nullable(IsoDate),
    updatedBy: Nullable(Type.String()),
    /** Who changed the catalog last: given to administrators only */
    updatedByEmail: Type.Optional(Nullable(Type.String())),
  },
  { $id: 'Pricing' },
)
export type Pricing = Static<typeof Pricing>

export const GpuPatch = Type.Object(
  {
    name: Type.Optional(
      Type.String({ minLength: 1, maxLength: 60, pattern: '^[^\\u0000-\\u001f\\u007f]+$' }),
    ),
    price: Type.Optional(Price),
    available: Type.Optional(Type.Boolean()),
    specs: Type.Optional(Type.Partial(GpuSpecs)),
  },
  { additionalProperties: false },
)
const StoragePatch = Type.Object(
  { price: Type.Optional(Price), unit: Type.Optional(Text(40)), description: Type.Optional(Text(200)) },
  { additionalProperties: false },
)
export const UpdatePricingBody = Type.Object(
  {
    gpus: Type.Optional(
      Type.Record(Type.String(), Type.Union([GpuPatch, Type.Null()]), {
        propertyNames: { pattern: GPU_ID_PATTERN, maxLength: 32 },
        maxProperties: 100,
        description:
          'Per GPU id: fields to change (a new id adds a GPU type; name and price required), or null to remove it',
      }),
    ),
    storage: Type.Optional(
      Type.Object(
        { containerDisk: Type.Optional(StoragePatch), volumeDisk: Type.Optional(StoragePatch) },
        { additionalProperties: false },
      ),
    ),
    limits: Type.Optional(
      Type.Object(
        {
          containerDiskMax: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000 })),
          volumeDiskMax: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000 })),
          portsMax: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
          podsPerUser: Type.Optional(Type.Integer({ minimum: 0, maximum: 10000 })),
          gpuCountMax: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
        },
        { additionalProperties: false },
      ),
    ),
    freeTier: Type.Optional(
      Type.Object(
        {
          enabled: Type.Optional(Type.Boolean()),
          initialBalance: Type.Optional(Type.Number({ minimum: 0, maximum: 1_000_000 })),
        },
        { additionalProperties: false },
      ),
    ),
    billing: Type.Optional(
      Type.Object(
        {
          lowBalanceThresholdHours: Type.Optional(Type.Number({ minimum: 0, maximum: 10000 })),
          minimumStartHours: Type.Optional(Type.Number({ minimum: 0, maximum: 10000 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
)
export type UpdatePricingBody = Static<typeof UpdatePricingBody>

export const CalculateCostBody = Type.Object(
  {
    gpu: Type.String({ minLength: 1, maxLength: 32 }),
    gpuCount: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
    containerDiskSize: Type.Number({ minimum: 0, maximum: 100000 }),
    volumeDiskSize: Type.Number({ minimum: 0, maximum: 100000 }),
    hours: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 87600, default: 1 })),
  },
  { additionalProperties: false },
)
export type CalculateCostBody = Static<typeof CalculateCostBody>
const CostLine = Type.Object({ hourlyRate: Euros, cost: Euros, hours: Type.Number() })
export const CostBreakdown = Type.Object({
  gpu: Type.Intersect([CostLine, Type.Object({ name: Type.String(), count: Type.Integer() })]),
  containerDisk: Type.Intersect([CostLine, Type.Object({ size: Type.Number() })]),
  volumeDisk: Type.Intersect([CostLine, Type.Object({ size: Type.Number() })]),
  total: Euros,
  totalHourly: Euros,
  currency: Type.Literal('EUR'),
})
export const CostResponse = Envelope(CostBreakdown)
export const GpuParams = Type.Object({ gpuId: Type.String({ maxLength: 64 }) })
