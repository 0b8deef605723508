import Type, { type Static } from 'typebox'
import { IsoDate, Multiline, Nullable, PageInfo, PageQuery, PodId, Uuid } from './common.js'

/** SSH public keys on an account: the SSH gateway signs users in with them (ADR 0015). */
export const SshKey = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    algorithm: Type.String({ description: 'ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256…' }),
    fingerprint: Type.String({ description: 'SHA256:… as `ssh-keygen -l` prints it' }),
    comment: Nullable(Type.String()),
    createdAt: IsoDate,
    lastUsedAt: Nullable(IsoDate),
  },
  { $id: 'SshKey' },
)
export type SshKey = Static<typeof SshKey>

export const CreateSshKeyBody = Type.Object(
  {
    publicKey: Type.String({
      minLength: 1,
      maxLength: 16384,
      description: 'One OpenSSH public key line, e.g. the contents of ~/.ssh/id_ed25519.pub',
      ...Multiline, // a pasted file ends with a line break
    }),
    name: Type.Optional(
      Type.String({ minLength: 1, maxLength: 60, pattern: '^[^\\u0000-\\u001f\\u007f]+$' }),
    ),
  },
  { additionalProperties: false },
)
export type CreateSshKeyBody = Static<typeof CreateSshKeyBody>

/** How to reach the SSH gateway; `enabled: false` when NEUROPOD_SSH_PORT is off. */
export const SshInfo = Type.Object(
  {
    enabled: Type.Boolean(),
    host: Nullable(Type.String()),
    port: Nullable(Type.Integer()),
    hostKeyFingerprint: Nullable(Type.String({ description: 'SHA256:… of the gateway host key' })),
    hostKeyAlgorithm: Nullable(Type.String()),
  },
  { $id: 'SshInfo' },
)
export type SshInfo = Static<typeof SshInfo>

export const ShellSessionKind = Type.Union([Type.Literal('terminal'), Type.Literal('ssh')])
export type ShellSessionKind = Static<typeof ShellSessionKind>

/** One shell into a pod (web terminal or SSH), for the admins' audit. */
export const ShellSession = Type.Object(
  {
    id: Uuid,
    userId: Type.String(),
    userEmail: Type.String(),
    podId: PodId,
    podName: Nullable(Type.String()),
    kind: ShellSessionKind,
    detail: Type.String({ description: 'shell, exec, sftp, forward to port N' }),
    remoteAddress: Nullable(Type.String()),
    startedAt: IsoDate,
    endedAt: Nullable(IsoDate),
    durationSeconds: Nullable(Type.Integer({ description: 'null while the session is open' })),
  },
  { $id: 'ShellSession' },
)
export type ShellSession = Static<typeof ShellSession>

export const ShellSessionsQuery = Type.Object(
  {
    podId: Type.Optional(PodId),
    userId: Type.Optional(Type.String({ maxLength: 64 })),
    open: Type.Optional(Type.Boolean({ description: 'Only sessions still open' })),
    ...PageQuery,
  },
  { additionalProperties: false },
)
export type ShellSessionsQuery = Static<typeof ShellSessionsQuery>

export const ShellSessionsPage = Type.Object({
  success: Type.Literal(true),
  data: Type.Array(ShellSession),
  ...PageInfo,
})

/**
 * The web terminal: Socket.IO namespace `/terminal` (the main socket's credentials). Data is
 * binary both ways (ArrayBuffer/Buffer), so any byte reaches the pod unchanged.
 */
export const TERMINAL_NAMESPACE = '/terminal'

export interface TerminalOpenRequest {
  podId: string
  cols: number
  rows: number
}
export type TerminalOpenAck =
  | { ok: true; sessionId: string }
  | {
      ok: false
      code: 'INVALID_REQUEST' | 'POD_NOT_FOUND' | 'ACCESS_DENIED' | 'NOT_RUNNING' | 'LIMIT' | 'ERROR'
      message: string
    }

export interface TerminalClientEvents {
  open: (request: TerminalOpenRequest, ack: (result: TerminalOpenAck) => void) => void
  data: (message: { sessionId: string; data: ArrayBuffer | Uint8Array }) => void
  resize: (message: { sessionId: string; cols: number; rows: number }) => void
  close: (message: { sessionId: string }) => void
}

export interface TerminalServerEvents {
  data: (message: { sessionId: string; data: ArrayBuffer | Uint8Array }) => void
  /** The process ended (code null: ended by a close, a lost connection or a revoked access) */
  exit: (message: { sessionId: string; code: number | null; reason: string | null }) => void
}
