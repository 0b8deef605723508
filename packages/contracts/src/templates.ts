import Type, { type Static } from 'typebox'
import { IsoDate, Multiline, Nullable } from './common.js'
import { ENV_NAME_PATTERN, IMAGE_REF_PATTERN } from './patterns.js'

export const DockerImage = Type.String({ minLength: 1, maxLength: 200, pattern: IMAGE_REF_PATTERN })

export const EnvVars = Type.Record(Type.String(), Type.String({ maxLength: 4096, ...Multiline }), {
  propertyNames: { pattern: ENV_NAME_PATTERN },
  maxProperties: 100,
  description: 'Environment variables for the container',
})

export const ServiceName = Type.String({
  minLength: 1,
  maxLength: 50,
  pattern: '^[^\\u0000-\\u001f\\u007f]+$',
})
export const PortNumber = Type.Integer({ minimum: 1, maximum: 65535 })
export const PortMapping = Type.Object(
  { port: PortNumber, serviceName: ServiceName },
  { additionalProperties: false },
)
export type PortMapping = Static<typeof PortMapping>

export const VolumePath = Type.String({
  minLength: 1,
  maxLength: 200,
  pattern: '^/(?:[A-Za-z0-9._-]+/?)*$',
  description: 'Absolute path where the persistent volume is mounted',
})
export const StartCommand = Type.String({ maxLength: 4096, description: 'Run with /bin/sh -c', ...Multiline })

export const TemplateCreator = Type.Union([
  Type.Object({ _id: Type.String(), id: Type.String(), name: Type.String(), email: Type.String() }),
  Type.Null(),
])

/** Template objects keep the original's raw (un-enveloped) shape; `_id` mirrors `id` for old clients. */
export const Template = Type.Object(
  {
    id: Type.String(),
    _id: Type.String({ description: "The original's name for `id` (same value), kept for its clients" }),
    name: Type.String(),
    dockerImage: Type.String(),
    httpPorts: Type.Array(PortMapping),
    tcpPorts: Type.Array(PortMapping),
    containerDiskSize: Type.Integer(),
    volumeDiskSize: Type.Integer(),
    volumePath: Type.String(),
    enableJupyter: Type.Boolean({
      description: 'Whether pods from this template default to Jupyter on 8888',
    }),
    env: Type.Record(Type.String(), Type.String()),
    startCommand: Nullable(Type.String()),
    description: Type.String(),
    createdBy: TemplateCreator,
    podCount: Type.Integer({ description: 'Pods (not deleted) created from this template' }),
    idleTimeoutMinutes: Nullable(
      Type.Integer({ description: "Idle timeout of pods from this template; null = the platform's default" }),
    ),
    createdAt: IsoDate,
    updatedAt: IsoDate,
  },
  { $id: 'Template' },
)
export type Template = Static<typeof Template>

const TemplateFields = {
  name: Type.String({ minLength: 1, maxLength: 100, pattern: '^[^\\u0000-\\u001f\\u007f]+$' }),
  dockerImage: DockerImage,
  httpPorts: Type.Array(PortMapping, { minItems: 1, maxItems: 100 }),
  tcpPorts: Type.Array(PortMapping, { maxItems: 100 }),
  containerDiskSize: Type.Integer({ minimum: 1, maximum: 100000 }),
  volumeDiskSize: Type.Integer({ minimum: 1, maximum: 100000 }),
  volumePath: VolumePath,
  enableJupyter: Type.Boolean(),
  env: EnvVars,
  startCommand: Nullable(StartCommand),
  description: Type.String({ maxLength: 5000, ...Multiline }),
}
export const CreateTemplateBody = Type.Object(
  {
    name: TemplateFields.name,
    dockerImage: TemplateFields.dockerImage,
    httpPorts: TemplateFields.httpPorts,
    tcpPorts: Type.Optional(TemplateFields.tcpPorts),
    containerDiskSize: Type.Optional(TemplateFields.containerDiskSize),
    volumeDiskSize: Type.Optional(TemplateFields.volumeDiskSize),
    volumePath: Type.Optional(TemplateFields.volumePath),
    enableJupyter: Type.Optional(TemplateFields.enableJupyter),
    env: Type.Optional(TemplateFields.env),
    startCommand: Type.Optional(TemplateFields.startCommand),
    description: Type.Optional(TemplateFields.description),
    idleTimeoutMinutes: Type.Optional(
      Nullable(
        Type.Integer({
          minimum: 1,
          maximum: 43_200,
          description: "Idle timeout of pods from this template; null = the platform's default",
        }),
      ),
    ),
  },
  { additionalProperties: false },
)
export type CreateTemplateBody = Static<typeof CreateTemplateBody>
export const UpdateTemplateBody = Type.Partial(CreateTemplateBody, {
  additionalProperties: false,
  minProperties: 1,
})
export type UpdateTemplateBody = Static<typeof UpdateTemplateBody>

export const TemplateParams = Type.Object({ id: Type.String({ maxLength: 64 }) })
export const TemplateSaved = Type.Object({ message: Type.String(), template: Template })
export const TemplateDeleted = Type.Object({ message: Type.String(), podsUsingTemplate: Type.Integer() })
export const TemplatesSummary = Type.Object({
  total: Type.Integer(),
  recent: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      dockerImage: Type.String(),
      createdAt: IsoDate,
      createdBy: Type.Union([Type.Object({ name: Type.String() }), Type.Null()]),
    }),
  ),
  byUser: Type.Array(
    Type.Object({ userId: Type.String(), userName: Type.String(), templateCount: Type.Integer() }),
  ),
})
