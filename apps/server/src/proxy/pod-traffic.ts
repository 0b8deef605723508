import type http from 'node:http'
import type { Duplex } from 'node:stream'

/** What the platform's HTTP server hands every request and upgrade for a pod host to. */
export interface PodTrafficHandler {
  request(req: http.IncomingMessage, res: http.ServerResponse): void
  upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void
}
