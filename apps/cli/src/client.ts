import type { ErrorBody } from '@neuropod/contracts'

/** A failed API call, carrying the server's error code and per-field problems. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Partial<ErrorBody>,
  ) {
    const details = body.errors?.map((e) => `\n  - ${e.field}: ${e.message}`).join('') ?? ''
    super(`${body.message ?? `HTTP ${status}`}${details}`)
    this.name = 'ApiError'
  }
}

/** Thin typed HTTP client: the response types come from @neuropod/contracts at each call site. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly token: string | null,
  ) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (this.token) headers.authorization = `Bearer ${this.token}`
    if (body !== undefined) headers['content-type'] = 'application/json'
    let res: Response
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      })
    } catch (error) {
      throw new Error(
        `Cannot reach ${this.baseUrl}: ${error instanceof Error ? error.message : String(error)}`,
      )
    }
    const text = await res.text()
    let json: unknown = null
    try {
      json = text ? JSON.parse(text) : null
    } catch {
      json = { message: text.slice(0, 200) }
    }
    if (!res.ok) throw new ApiError(res.status, (json ?? {}) as Partial<ErrorBody>)
    return json as T
  }

  get<T>(path: string) {
    return this.request<T>('GET', path)
  }
  post<T>(path: string, body?: unknown) {
    return this.request<T>('POST', path, body)
  }
  patch<T>(path: string, body?: unknown) {
    return this.request<T>('PATCH', path, body)
  }
  delete<T>(path: string) {
    return this.request<T>('DELETE', path)
  }
}
