import http from 'node:http'
import type { Duplex } from 'node:stream'
import type { Server as EngineServer } from 'engine.io'
import type { FastifyServerFactory } from 'fastify'
import { parsePodHost } from '../lib/pod-urls.js'
import type { PodTrafficHandler } from '../proxy/pod-traffic.js'

/**
 * Serves pod URLs (proxied to the pod), `/socket.io/` (realtime) and everything else (Fastify),
 * on the same port. A request is routed by Host before any framework sees it: pod traffic never
 * pays for Fastify's routing, and a pod's own `/socket.io/` is never mistaken for the platform's.
 */
export interface Dispatcher {
  serverFactory: FastifyServerFactory
  setPodHandler(handler: PodTrafficHandler | null): void
  setRealtimeEngine(engine: EngineServer | null): void
  isPodHost(host: string | undefined): boolean
}

const REALTIME_PATH = '/socket.io/'

export function createDispatcher(podDomain: string): Dispatcher {
  let pods: PodTrafficHandler | null = null
  let engine: EngineServer | null = null
  // Every request asks; remembering the answer per Host value keeps the regex off the hot path.
  const known = new Map<string, boolean>()
  const isPodHost = (host: string | undefined) => {
    if (!host) return false
    let pod = known.get(host)
    if (pod === undefined) {
      pod = parsePodHost(host, podDomain) !== null
      if (known.size >= 10_000) known.clear()
      known.set(host, pod)
    }
    return pod
  }

  const serverFactory: FastifyServerFactory = (handler) => {
    // No limit on receiving a whole request: uploads to pods may take longer than any fixed limit.
    // Slow headers are still cut by headersTimeout; API bodies are capped by Fastify's bodyLimit.
    const server = http.createServer({ requestTimeout: 0 }, (req, res) => {
      if (isPodHost(req.headers.host)) {
        if (pods) return pods.request(req, res)
      } else if (engine && req.url?.startsWith(REALTIME_PATH)) {
        return engine.handleRequest(req, res)
      }
      handler(req, res)
    })
    server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      if (isPodHost(req.headers.host)) {
        if (pods) return pods.upgrade(req, socket, head)
      } else if (engine && req.url?.startsWith(REALTIME_PATH)) {
        return engine.handleUpgrade(req, socket, head)
      }
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
    })
    return server
  }

  return {
    serverFactory,
    setPodHandler: (handler) => {
      pods = handler
    },
    setRealtimeEngine: (e) => {
      engine = e
    },
    isPodHost,
  }
}
