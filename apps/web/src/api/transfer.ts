import { requestLanguage } from './client'
import { ApiError } from './errors'
import type { ErrorBody } from './types'

/** Bytes moved so far and the total when known (null: indeterminate). */
export interface TransferProgress {
  loaded: number
  total: number | null
}

function filesUrl(volumeId: string, path: string): string {
  const qs = path ? `?${new URLSearchParams({ path }).toString()}` : ''
  return `/api/volumes/${encodeURIComponent(volumeId)}/files${qs}`
}

function apiError(status: number, statusText: string, text: string): ApiError {
  let body: Partial<ErrorBody> = {}
  try {
    body = (text ? JSON.parse(text) : {}) as Partial<ErrorBody>
  } catch {
    body = {}
  }
  return new ApiError(
    status,
    body.code ?? (status >= 500 ? 'INTERNAL' : 'VALIDATION_FAILED'),
    body.message ?? `${status} ${statusText}`,
    body.errors ?? [],
  )
}

/**
 * Upload one file into a volume at `path` (application/octet-stream). XMLHttpRequest rather than
 * fetch: only it reports upload progress. Same credentials as `request`: the session cookie
 * (same-origin, sent by the browser) and the user's language.
 */
export function uploadVolumeFile(
  volumeId: string,
  path: string,
  file: Blob,
  onProgress: (p: TransferProgress) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('PUT', filesUrl(volumeId, path))
    xhr.setRequestHeader('accept', 'application/json')
    const lang = requestLanguage()
    if (lang) xhr.setRequestHeader('accept-language', lang)
    xhr.setRequestHeader('content-type', 'application/octet-stream')
    xhr.upload.onprogress = (e) =>
      onProgress({ loaded: e.loaded, total: e.lengthComputable ? e.total : null })
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve()
      else reject(apiError(xhr.status, xhr.statusText, xhr.responseText))
    }
    xhr.onerror = () =>
      reject(new ApiError(0, 'NETWORK', 'The server cannot be reached. Check your connection.'))
    xhr.send(file)
  })
}

function filenameOf(disposition: string | null): string | null {
  const match = disposition?.match(/filename="?([^";]+)"?/i)
  return match?.[1] ?? null
}

/** Download `path` of a volume as a tar, reporting progress (total from Content-Length if sent). */
export async function downloadVolumeTar(
  volumeId: string,
  path: string,
  onProgress: (p: TransferProgress) => void,
): Promise<{ blob: Blob; filename: string }> {
  const lang = requestLanguage()
  let response: Response
  try {
    response = await fetch(filesUrl(volumeId, path), {
      credentials: 'same-origin',
      headers: lang ? { 'accept-language': lang } : {},
    })
  } catch {
    throw new ApiError(0, 'NETWORK', 'The server cannot be reached. Check your connection.')
  }
  if (!response.ok) throw apiError(response.status, response.statusText, await response.text())
  const length = response.headers.get('content-length')
  const total = length && Number(length) > 0 ? Number(length) : null
  const chunks: Uint8Array[] = []
  let loaded = 0
  onProgress({ loaded, total })
  const reader = response.body?.getReader()
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(value)
      loaded += value.byteLength
      onProgress({ loaded, total })
    }
  }
  const blob = new Blob(chunks as BlobPart[], { type: 'application/x-tar' })
  return { blob, filename: filenameOf(response.headers.get('content-disposition')) ?? 'volume.tar' }
}
