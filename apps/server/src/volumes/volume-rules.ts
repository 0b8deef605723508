import type { FieldError } from '@neuropod/contracts'

/** Input rules of volumes (pure): names, sizes and mount paths, every problem listed at once. */

export function volumeNameProblem(name: string): string | null {
  const trimmed = name.trim()
  if (trimmed.length === 0) return 'A volume needs a name'
  if (trimmed.length > 63) return 'At most 63 characters'
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) return 'Must not contain control characters'
  return null
}

export function volumeSizeProblem(size: number, max: number): string | null {
  if (!Number.isInteger(size) || size < 1 || size > max) return `Volume size must be between 1 and ${max} GB`
  return null
}

/** A mount path must be absolute, not the root, and free of `.` and `..` segments. */
export function mountPathProblem(path: string): string | null {
  if (!path.startsWith('/')) return 'Must be an absolute path'
  const segments = path.split('/').filter(Boolean)
  if (segments.length === 0) return 'Cannot mount a volume at /'
  if (segments.some((s) => s === '.' || s === '..')) return 'Must not contain . or .. segments'
  return null
}

export function collect(entries: [field: string, problem: string | null][]): FieldError[] {
  return entries.filter(([, p]) => p !== null).map(([field, message]) => ({ field, message: message! }))
}
