// A pod's "container" for tests and benchmarks: a real HTTP + WebSocket server in its own process.
// It listens on an ephemeral port for each of the pod's HTTP ports (UPSTREAM_PORTS, JSON) and
// tells its parent where, over IPC. Ports in FAKE_CLOSED_PORTS get an address where nothing listens
// (a service that is not up). With JUPYTER_TOKEN set, `/jupyter/api/status` answers like Jupyter:
// 200 only with `Authorization: token <JUPYTER_TOKEN>`.
import { createHash } from 'node:crypto'
import http from 'node:http'
import { WebSocketServer } from 'ws'

const ports = JSON.parse(process.env.UPSTREAM_PORTS ?? '[8080]')
const closed = new Set((process.env.FAKE_CLOSED_PORTS ?? '').split(',').filter(Boolean).map(Number))
const jupyterToken = process.env.JUPYTER_TOKEN ?? null

const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 * 1024 })

function handler(podPort) {
  return (req, res) => {
    const url = new URL(req.url, 'http://upstream.invalid')
    switch (url.pathname) {
      case '/bench':
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' })
        res.end('ok')
        return
      case '/headers': {
        req.resume()
        req.on('end', () => {
          const body = JSON.stringify({
            port: podPort,
            method: req.method,
            url: req.url,
            headers: req.headers,
            rawHeaders: req.rawHeaders,
          })
          res.writeHead(200, { 'content-type': 'application/json' })
          res.end(body)
        })
        return
      }
      case '/sse': {
        const n = Number(url.searchParams.get('n') ?? 3)
        const gap = Number(url.searchParams.get('gap') ?? 100)
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
        let i = 0
        const tick = () => {
          res.write(`data: ${JSON.stringify({ i, at: Date.now() })}\n\n`)
          if (++i < n) timer = setTimeout(tick, gap)
          else res.end()
        }
        let timer = setTimeout(tick, 0)
        res.on('close', () => clearTimeout(timer))
        return
      }
      case '/upload': {
        const hash = createHash('sha256')
        let bytes = 0
        req.on('data', (chunk) => {
          bytes += chunk.length
          hash.update(chunk)
        })
        req.on('end', () => {
          res.writeHead(200, { 'content-type': 'application/json' })
          res.end(JSON.stringify({ bytes, sha256: hash.digest('hex') }))
        })
        // ?pauseMs=N: a slow reader, so that whoever sends must wait (backpressure) instead of buffering.
        const pauseMs = Number(url.searchParams.get('pauseMs') ?? 0)
        if (pauseMs > 0) {
          req.pause()
          setTimeout(() => req.resume(), pauseMs)
        }
        return
      }
      case '/set-cookie':
        res.writeHead(200, {
          'set-cookie': [
            'app=1; Path=/',
            'neuropod_pod=planted; Domain=localhost; Path=/',
            'neuropod_session=x',
          ],
          'content-type': 'text/plain',
        })
        res.end('cookies')
        return
      case '/jupyter/api/status': {
        const ok = jupyterToken !== null && req.headers.authorization === `token ${jupyterToken}`
        res.writeHead(ok ? 200 : 403, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ authenticated: ok }))
        return
      }
      default:
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        res.end(`<!doctype html><title>upstream</title><p>hello from pod port ${podPort}</p>`)
    }
  }
}

function upgrade(req, socket, head) {
  const url = new URL(req.url, 'http://upstream.invalid')
  if (url.pathname === '/ws-refuse') {
    socket.end('HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: 7\r\n\r\nrefused')
    return
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    ws.send(JSON.stringify({ hello: true, headers: req.headers }))
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }))
  })
}

async function listen(podPort) {
  const server = http.createServer(handler(podPort))
  server.keepAliveTimeout = 30_000
  server.on('upgrade', upgrade)
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  if (closed.has(podPort)) await new Promise((resolve) => server.close(resolve))
  return port
}

const addresses = {}
for (const podPort of ports) addresses[podPort] = await listen(podPort)
process.send?.({ ready: addresses })
console.log(`upstream ready: ${JSON.stringify(addresses)}`)
process.on('SIGTERM', () => process.exit(0))
process.on('disconnect', () => process.exit(0))
