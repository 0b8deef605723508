import { monotonicMs } from '../lib/clock.js'
import type { Logger } from '../lib/logger.js'
import type { PodRuntime } from '../runtime/pod-runtime.js'

/**
 * The runtime as the platform calls it: every port call that goes to the engine or the cluster is
 * logged at debug level (with the request id of the HTTP request that caused it, through the
 * logger's mixin) and every failure is counted by operation for /metrics. Behaviour is unchanged:
 * results and errors pass through untouched.
 */

const CALLS = new Set<string>([
  'health',
  'ensureRunning',
  'ensureStopped',
  'ensureDeleted',
  'list',
  'endpoint',
  'logs',
  'followLogs',
  'stats',
  'gpuDevices',
  'gpuStock',
  'exec',
  'orphans',
  'updateAccess',
])

export interface RuntimeCallHooks {
  log: Logger
  failed(operation: string): void
}

export function instrumentRuntime(runtime: PodRuntime, hooks: RuntimeCallHooks): PodRuntime {
  return new Proxy(runtime, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver)
      if (typeof property !== 'string' || !CALLS.has(property) || typeof value !== 'function') return value
      return (...args: unknown[]) => {
        const started = monotonicMs()
        const podId = typeof args[0] === 'string' ? args[0] : podIdOf(args[0])
        const done = (error?: unknown) => {
          const durationMs = Math.round((monotonicMs() - started) * 10) / 10
          if (error === undefined) hooks.log.debug({ op: property, podId, durationMs }, 'runtime call')
          else {
            hooks.failed(property)
            hooks.log.warn(
              {
                op: property,
                podId,
                durationMs,
                error: error instanceof Error ? error.message : String(error),
              },
              'runtime call failed',
            )
          }
        }
        let result: unknown
        try {
          result = (value as (...a: unknown[]) => unknown).apply(target, args)
        } catch (error) {
          done(error)
          throw error
        }
        if (result instanceof Promise)
          return result.then(
            (v) => {
              done()
              return v
            },
            (error: unknown) => {
              done(error)
              throw error
            },
          )
        done()
        return result
      }
    },
  })
}

function podIdOf(arg: unknown): string | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined
  const id = (arg as { podId?: unknown }).podId
  return typeof id === 'string' ? id : undefined
}
