import http from 'node:http'

/** Any HTTP answer (even 401 or 404) means the service listens; only connection failures and timeouts do not. */
export function probeHttp(host: string, port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.request(
      {
        host,
        port,
        path: '/',
        method: 'GET',
        timeout: timeoutMs,
        headers: { 'user-agent': 'NeuroPod-probe' },
      },
      (res) => {
        res.resume()
        req.destroy()
        resolve(true)
      },
    )
    req.on('timeout', () => {
      req.destroy()
      resolve(false)
    })
    req.on('error', () => resolve(false))
    req.end()
  })
}
