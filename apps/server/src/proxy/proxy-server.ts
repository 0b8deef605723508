import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import type { PodTrafficHandler } from './pod-traffic.js'

export interface PodOnlyServer {
  url: string
  close(): Promise<void>
}

/**
 * NEUROPOD_PROXY_PORT: a second listener that serves pod hosts only (no API, no web UI), for
 * set-ups where a front proxy or tunnel sends `*.<POD_DOMAIN>` to its own port. Pod URLs are also
 * served on PORT either way.
 */
export async function listenPodOnly(
  handler: PodTrafficHandler,
  isPodHost: (host: string | undefined) => boolean,
  options: { port: number; host: string },
): Promise<PodOnlyServer> {
  // Uploads to pods may take longer than any fixed limit; header timeouts still guard against slowloris.
  const server = http.createServer({ requestTimeout: 0 }, (req, res) => {
    if (isPodHost(req.headers.host)) return handler.request(req, res)
    const body = 'This port serves pod URLs only (<slug>-<port>.<POD_DOMAIN>).\n'
    res.writeHead(421, {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    })
    res.end(body)
  })
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    if (isPodHost(req.headers.host)) return handler.upgrade(req, socket, head)
    socket.end('HTTP/1.1 421 Misdirected Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => resolve())
  })
  const address = server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return {
    url: `http://${host.replace('0.0.0.0', '127.0.0.1').replace('[::]', '127.0.0.1')}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
