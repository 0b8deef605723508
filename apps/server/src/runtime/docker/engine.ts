import fs from 'node:fs'
import path from 'node:path'
import Dockerode from 'dockerode'
import type { Config } from '../../config.js'

/**
 * Where the Docker Engine API is (Docker or Podman), and how to talk to it. An explicit setting
 * (NEUROPOD_DOCKER_SOCKET, then DOCKER_HOST) is the only candidate when present; otherwise the
 * usual sockets of Docker, rootless Docker and Podman (root and rootless) are tried in order.
 */

export interface EngineTarget {
  /** What pointed at it: a variable name or "auto-detected" */
  source: string
  /** e.g. unix:///run/podman/podman.sock or tcp://10.0.0.5:2376 */
  address: string
  socketPath: string | null
  host: string | null
  port: number | null
  protocol: 'http' | 'https'
  tls: { ca: Buffer; cert: Buffer; key: Buffer } | null
  /** On this machine (a unix socket): nvidia-smi here describes the engine's GPUs */
  local: boolean
}

export type DockerSettings = Config['docker']

const WELL_KNOWN_SOCKETS = ['/var/run/docker.sock', '/run/podman/podman.sock']

export function engineCandidates(settings: DockerSettings): EngineTarget[] {
  if (settings.socketPath) return [socketTarget(settings.socketPath, 'NEUROPOD_DOCKER_SOCKET')]
  if (settings.host) return [hostTarget(settings)]
  const sockets = [...WELL_KNOWN_SOCKETS]
  if (settings.xdgRuntimeDir)
    sockets.push(
      path.join(settings.xdgRuntimeDir, 'podman/podman.sock'),
      path.join(settings.xdgRuntimeDir, 'docker.sock'),
    )
  return sockets.map((s) => socketTarget(s, 'auto-detected'))
}

function socketTarget(socketPath: string, source: string): EngineTarget {
  const clean = socketPath.replace(/^unix:\/\//, '')
  return {
    source,
    address: `unix://${clean}`,
    socketPath: clean,
    host: null,
    port: null,
    protocol: 'http',
    tls: null,
    local: true,
  }
}

function hostTarget(settings: DockerSettings): EngineTarget {
  const url = new URL(settings.host!)
  if (url.protocol === 'unix:') return socketTarget(url.pathname, 'DOCKER_HOST')
  const tls = settings.tls.verify || url.protocol === 'https:'
  const certPath = settings.tls.certPath
  return {
    source: 'DOCKER_HOST',
    address: settings.host!,
    socketPath: null,
    host: url.hostname,
    port: Number(url.port || (tls ? 2376 : 2375)),
    protocol: tls ? 'https' : 'http',
    tls:
      tls && certPath
        ? {
            ca: fs.readFileSync(path.join(certPath, 'ca.pem')),
            cert: fs.readFileSync(path.join(certPath, 'cert.pem')),
            key: fs.readFileSync(path.join(certPath, 'key.pem')),
          }
        : null,
    local: false,
  }
}

/** A client for the target. No request timeout: /events and log streams stay open for hours. */
export function connectEngine(target: EngineTarget): Dockerode {
  if (target.socketPath) return new Dockerode({ socketPath: target.socketPath })
  return new Dockerode({
    host: target.host!,
    port: target.port!,
    protocol: target.protocol,
    ...(target.tls ?? {}),
  })
}

// dockerode accepts an abort signal on these calls; its type definitions have not caught up.
type WithSignal = { abortSignal?: AbortSignal }

export function ping(docker: Dockerode, timeoutMs: number): Promise<unknown> {
  return (docker.ping as (options: WithSignal) => Promise<unknown>).call(docker, {
    abortSignal: AbortSignal.timeout(timeoutMs),
  })
}

export function engineVersion(docker: Dockerode, timeoutMs: number): Promise<Dockerode.DockerVersion> {
  return (docker.version as (options: WithSignal) => Promise<Dockerode.DockerVersion>).call(docker, {
    abortSignal: AbortSignal.timeout(timeoutMs),
  })
}

export async function pingEngine(docker: Dockerode, timeoutMs: number): Promise<boolean> {
  try {
    await ping(docker, timeoutMs)
    return true
  } catch {
    return false
  }
}

/** The first candidate whose engine answers a ping within `timeoutMs`, or null. */
export async function findEngine(
  settings: DockerSettings,
  timeoutMs: number,
): Promise<{ target: EngineTarget; docker: Dockerode } | null> {
  for (const target of engineCandidates(settings)) {
    if (target.socketPath && !fs.existsSync(target.socketPath)) continue
    let docker: Dockerode
    try {
      docker = connectEngine(target)
    } catch {
      continue // unreadable TLS files: not this one
    }
    if (await pingEngine(docker, timeoutMs)) return { target, docker }
  }
  return null
}

interface EngineError {
  statusCode?: number
  code?: string
  reason?: string
  json?: { message?: string } | null
  message?: string
}

/** HTTP status of an engine error, or null when the engine was not reached at all. */
export function statusOf(error: unknown): number | null {
  const s = (error as EngineError | null)?.statusCode
  return typeof s === 'number' ? s : null
}

/** The engine's own words when it answered, else the transport error. */
export function errorMessage(error: unknown): string {
  const e = error as EngineError | null
  const engineMessage = e?.json && typeof e.json === 'object' ? e.json.message : undefined
  if (engineMessage) return engineMessage.trim()
  if (e?.message) return e.message.replace(/^\(HTTP code \d+\)\s*/, '').trim()
  return String(error)
}

/** The engine did not answer (as opposed to answering with an error). */
export function isUnreachable(error: unknown): boolean {
  return statusOf(error) === null
}

/** Treats the given engine statuses as success (idempotent removals and stops). */
export function ignore(...statuses: number[]) {
  return (error: unknown): void => {
    const status = statusOf(error)
    if (status !== null && statuses.includes(status)) return
    throw error
  }
}
