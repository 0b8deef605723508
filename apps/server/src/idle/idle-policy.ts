import type { FieldError } from '@neuropod/contracts'

/** The platform's idle policy (one row of `idle_settings`). */
export interface IdlePolicySettings {
  defaultTimeoutMinutes: number
  maxTimeoutMinutes: number | null
  allowNever: boolean
  warningLeadMinutes: number
  runwayWarningMinutes: number
}

export interface RequestedAutoStop {
  /** undefined: take the default; null: never */
  idleTimeoutMinutes?: number | null
  maxRuntimeMinutes?: number | null
  stopAt?: string | null
}

export interface ResolvedAutoStop {
  idleTimeoutMinutes?: number | null
  maxRuntimeMinutes?: number | null
  stopAt?: Date | null
}

/**
 * Checks a pod's requested auto-stop policy against the platform's (pure; every problem listed).
 * An omitted timeout becomes the template's default, else the platform's, capped at the maximum.
 * Fields left undefined stay undefined (a PATCH changes only what it names).
 */
export function resolveAutoStop(
  requested: RequestedAutoStop,
  settings: IdlePolicySettings,
  context: { now: Date; templateDefault?: number | null; applyDefault: boolean },
): { value: ResolvedAutoStop; problems: FieldError[] } {
  const problems: FieldError[] = []
  const value: ResolvedAutoStop = {}
  let timeout = requested.idleTimeoutMinutes
  if (timeout === undefined && context.applyDefault) {
    timeout = context.templateDefault ?? settings.defaultTimeoutMinutes
    // A default above the maximum is brought down to it rather than refused: the user asked for nothing.
    if (settings.maxTimeoutMinutes !== null) timeout = Math.min(timeout, settings.maxTimeoutMinutes)
  } else if (timeout === null && !settings.allowNever) {
    problems.push({
      field: 'idleTimeoutMinutes',
      message: `An idle timeout is required (the administrator does not allow "never")${settings.maxTimeoutMinutes !== null ? `; at most ${settings.maxTimeoutMinutes} minutes` : ''}`,
    })
  } else if (
    typeof timeout === 'number' &&
    settings.maxTimeoutMinutes !== null &&
    timeout > settings.maxTimeoutMinutes
  ) {
    problems.push({
      field: 'idleTimeoutMinutes',
      message: `The idle timeout can be at most ${settings.maxTimeoutMinutes} minutes`,
    })
  }
  if (timeout !== undefined) value.idleTimeoutMinutes = timeout
  if (requested.maxRuntimeMinutes !== undefined) value.maxRuntimeMinutes = requested.maxRuntimeMinutes
  if (requested.stopAt !== undefined) {
    if (requested.stopAt === null) value.stopAt = null
    else {
      const at = new Date(requested.stopAt)
      if (Number.isNaN(at.getTime())) problems.push({ field: 'stopAt', message: 'Not a valid date and time' })
      else if (at.getTime() <= context.now.getTime())
        problems.push({ field: 'stopAt', message: 'The stop time must be in the future' })
      else value.stopAt = at
    }
  }
  return { value, problems }
}
