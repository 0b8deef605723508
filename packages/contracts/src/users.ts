import Type, { type Static } from 'typebox'
import {
  Balance,
  Email,
  Envelope,
  IsoDate,
  Multiline,
  Nullable,
  PageInfo,
  PageQuery,
  Role,
  Uuid,
} from './common.js'

export const OnlineStatus = Type.Union([Type.Literal('online'), Type.Literal('offline')])

/** The user object of the original API (`UserDTO`) plus NeuroPod's additions. */
export const User = Type.Object(
  {
    id: Uuid,
    email: Type.String(),
    name: Type.String(),
    avatar: Nullable(Type.String()),
    role: Role,
    balance: Balance,
    unlimited: Type.Boolean({
      description: 'True for administrators: not metered, balance shown as Infinity',
    }),
    plan: Type.Literal('free'),
    registrationDate: Type.String({ description: 'Date of registration, YYYY-MM-DD' }),
    createdAt: IsoDate,
    activePods: Type.Integer(),
    totalPods: Type.Integer(),
    status: OnlineStatus,
    suspended: Type.Boolean(),
    suspendedReason: Nullable(Type.String()),
    lastSeenAt: Nullable(IsoDate),
    hasPassword: Type.Boolean(),
    googleLinked: Type.Boolean(),
  },
  { $id: 'User' },
)
export type User = Static<typeof User>

export const Password = Type.String({ minLength: 8, maxLength: 200 })
export const PersonName = Type.String({
  minLength: 1,
  maxLength: 100,
  pattern: '^[^\\u0000-\\u001f\\u007f]+$',
})

export const RegisterBody = Type.Object(
  { email: Email, password: Password, name: PersonName },
  { additionalProperties: false },
)
export const LoginBody = Type.Object(
  {
    email: Type.String({ minLength: 1, maxLength: 254 }),
    password: Type.String({ minLength: 1, maxLength: 200 }),
  },
  { additionalProperties: false },
)
export const GoogleLoginBody = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 8192, description: 'A Google ID token (credential)' }) },
  { additionalProperties: false },
)
export const MockLoginBody = Type.Object(
  { email: Email, name: Type.Optional(PersonName) },
  { additionalProperties: false },
)
export const AuthResponse = Type.Object({ success: Type.Literal(true), token: Type.String(), user: User })
export const VerifyResponse = Type.Object({ success: Type.Literal(true), user: User })

export const UpdateProfileBody = Type.Object(
  {
    name: Type.Optional(PersonName),
    avatar: Type.Optional(Nullable(Type.String({ format: 'uri', maxLength: 2000 }))),
  },
  { additionalProperties: false, minProperties: 1 },
)
export const ChangePasswordBody = Type.Object(
  { currentPassword: Type.Optional(Type.String({ maxLength: 200 })), newPassword: Password },
  { additionalProperties: false },
)

export const ApiKey = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    prefix: Type.String({ description: 'First characters of the key, to recognise it' }),
    createdAt: IsoDate,
    lastUsedAt: Nullable(IsoDate),
  },
  { $id: 'ApiKey' },
)
export type ApiKey = Static<typeof ApiKey>
export const CreateApiKeyBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 60, pattern: '^[^\\u0000-\\u001f\\u007f]+$' }) },
  { additionalProperties: false },
)
export const CreatedApiKey = Type.Intersect([
  ApiKey,
  Type.Object({ key: Type.String({ description: 'The secret key. Shown only once.' }) }),
])

/** Admin user management */
export const UsersQuery = Type.Object(
  {
    search: Type.Optional(Type.String({ maxLength: 100 })),
    role: Type.Optional(Role),
    ...PageQuery,
  },
  { additionalProperties: false },
)
export const UsersPage = Type.Object({ success: Type.Literal(true), ...PageInfo, data: Type.Array(User) })

export const Reason = Type.String({
  minLength: 1,
  maxLength: 500,
  pattern: '^[^\\u0000-\\u0008\\u000b-\\u001f\\u007f]+$',
  ...Multiline,
})
export const SetBalanceBody = Type.Object(
  {
    userId: Uuid,
    balance: Type.Number({ minimum: -1_000_000, maximum: 1_000_000 }),
    reason: Type.Optional(Reason),
  },
  { additionalProperties: false },
)
export const CreditBody = Type.Object(
  {
    userId: Uuid,
    amount: Type.Number({
      minimum: -1_000_000,
      maximum: 1_000_000,
      description: 'Euros to add (negative to debit)',
    }),
    reason: Reason,
  },
  { additionalProperties: false },
)
export const BalanceChange = Type.Object({
  id: Uuid,
  name: Type.String(),
  email: Type.String(),
  balance: Balance,
  ledgerEntryId: Nullable(Type.Integer()),
})
export const SuspendBody = Type.Object(
  { userId: Uuid, reason: Type.Optional(Reason) },
  { additionalProperties: false },
)
export const UnsuspendBody = Type.Object({ userId: Uuid }, { additionalProperties: false })
export const SuspendResult = Type.Object({
  userId: Uuid,
  userEmail: Type.String(),
  podsStopped: Type.Integer(),
  stoppedPods: Type.Array(Type.String()),
  sessionsRevoked: Type.Integer(),
})
export const DeleteUserResult = Type.Object({
  userId: Uuid,
  userEmail: Type.String(),
  podsDeleted: Type.Integer(),
  activePods: Type.Integer(),
  sessionsDeleted: Type.Integer(),
})
export const SetRoleBody = Type.Object({ userId: Uuid, role: Role }, { additionalProperties: false })
export const UserIdParams = Type.Object({ userId: Uuid })

export const FixBalancesResult = Envelope(
  Type.Object({ usersUpdated: Type.Integer(), updatedUsers: Type.Array(Type.Unknown()) }),
)
