import Type, { type Static } from 'typebox'
import { Envelope, Euros, IsoDate, Nullable, PodId } from './common.js'
import { VolumePath } from './templates.js'

/** A user's volume (ADR 0016): persistent storage that outlives pods and moves between GPU types. */

export const VolumeId = Type.String({
  pattern: '^[a-f0-9]{16}$',
  description: 'Volume id (16 hex characters)',
})

export const VolumeStatuses = ['ready', 'deleting'] as const
export const VolumeStatus = Type.Enum(VolumeStatuses)

export const Volume = Type.Object({
  volumeId: VolumeId,
  name: Type.String(),
  userId: Type.String(),
  userEmail: Type.String(),
  sizeGb: Type.Integer(),
  mountPath: Type.String({ description: 'Where pods mount it unless the deploy asks for another path' }),
  status: VolumeStatus,
  runtime: Type.String(),
  usedBytes: Nullable(
    Type.Integer({ description: 'Bytes used, where the runtime measures it; null when it is not measured' }),
  ),
  usageNote: Nullable(Type.String({ description: 'Why usedBytes is null' })),
  resize: Type.Union([Type.Literal('expand'), Type.Literal('recorded')], {
    description:
      'expand: a resize grows the runtime volume (Kubernetes PVC expansion); recorded: the runtime has no quota, so the size is the price basis only',
  }),
  attachedPod: Nullable(
    Type.Object(
      { podId: PodId, podName: Type.String(), status: Type.String() },
      { description: 'The pod that mounts it' },
    ),
  ),
  costPerHour: Euros,
  metered: Type.Boolean(),
  createdAt: IsoDate,
  updatedAt: IsoDate,
})
export type Volume = Static<typeof Volume>

export const VolumeName = Type.String({ minLength: 1, maxLength: 63 })

export const CreateVolumeBody = Type.Object(
  {
    name: VolumeName,
    size: Type.Integer({ minimum: -1000000, maximum: 1000000, description: 'Size in GB' }),
    mountPath: Type.Optional(VolumePath),
  },
  { additionalProperties: false },
)
export type CreateVolumeBody = Static<typeof CreateVolumeBody>

export const UpdateVolumeBody = Type.Object(
  {
    name: Type.Optional(VolumeName),
    size: Type.Optional(
      Type.Integer({ minimum: -1000000, maximum: 1000000, description: 'New size in GB (larger only)' }),
    ),
  },
  { additionalProperties: false },
)
export type UpdateVolumeBody = Static<typeof UpdateVolumeBody>

export const VolumeParams = Type.Object({ volumeId: Type.String({ maxLength: 64 }) })
export const VolumesQuery = Type.Object(
  {
    userEmail: Type.Optional(
      Type.String({
        maxLength: 254,
        description: "Admins only: this user's volumes (admins see every volume without it)",
      }),
    ),
  },
  { additionalProperties: false },
)
export const VolumeList = Type.Object({
  success: Type.Literal(true),
  count: Type.Integer(),
  data: Type.Array(Volume),
})
export const VolumeResponse = Envelope(Volume)

/** Volumes whose owner's balance has been negative for longer than the configured time. */
export const VolumeAtRisk = Type.Object({
  volume: Volume,
  balance: Euros,
  negativeSince: IsoDate,
})
export type VolumeAtRisk = Static<typeof VolumeAtRisk>
export const VolumesAtRiskResponse = Envelope(Type.Array(VolumeAtRisk))

export const VolumeFilesQuery = Type.Object(
  {
    path: Type.Optional(
      Type.String({ maxLength: 4096, description: 'Path inside the volume (relative; default: its root)' }),
    ),
  },
  { additionalProperties: false },
)

export const VolumeUploadResponse = Type.Object({
  success: Type.Literal(true),
  message: Type.String(),
  data: Type.Object({
    bytes: Type.Integer({ description: 'Bytes received' }),
    entries: Type.Integer({ description: 'Files, folders and links written' }),
  }),
})
