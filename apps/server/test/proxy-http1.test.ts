import http from 'node:http'
import net from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Forwarder } from '../src/proxy/forwarder.js'
import { type ResponseHead, ResponseParseError, ResponseParser } from '../src/proxy/http1/response-parser.js'

/**
 * The proxy's own HTTP/1.1 upstream client: the response parser as data (every framing rule, fed
 * whole and byte by byte), then the forwarder against raw TCP servers that answer exactly as
 * written, including the awkward cases real pods produce.
 */

interface Parsed {
  heads: ResponseHead[]
  body: string
  completed: number
}

function parse(method: string, wire: string, split: 'whole' | 'bytes' = 'whole', close = false): Parsed {
  const out: Parsed = { heads: [], body: '', completed: 0 }
  const parser = new ResponseParser({
    onHead: (head) => out.heads.push(head),
    onBody: (chunk) => {
      out.body += chunk.toString('latin1')
    },
    onComplete: () => {
      out.completed++
    },
  })
  parser.expect(method)
  const bytes = Buffer.from(wire, 'latin1')
  if (split === 'whole') parser.execute(bytes)
  else for (let i = 0; i < bytes.length; i++) parser.execute(bytes.subarray(i, i + 1))
  if (close) parser.end()
  return out
}

describe('ResponseParser', () => {
  for (const split of ['whole', 'bytes'] as const) {
    describe(`fed ${split}`, () => {
      it('reads a Content-Length body', () => {
        const r = parse('GET', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\n\r\nhello', split)
        expect(r.heads).toHaveLength(1)
        expect(r.heads[0]).toMatchObject({
          status: 200,
          statusMessage: 'OK',
          contentLength: 5,
          keepAlive: true,
        })
        expect(r.heads[0]!.rawHeaders).toEqual(['Content-Length', '5', 'X-A', '1'])
        expect(r.body).toBe('hello')
        expect(r.completed).toBe(1)
      })

      it('decodes a chunked body with extensions and trailers', () => {
        const wire =
          'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\nA\r\n, world!!!\r\n0\r\nX-Trailer: 1\r\n\r\n'
        const r = parse('GET', wire, split)
        expect(r.heads[0]!.contentLength).toBeNull()
        expect(r.body).toBe('hello, world!!!')
        expect(r.completed).toBe(1)
      })

      it('skips interim 1xx responses', () => {
        const r = parse(
          'POST',
          'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok',
          split,
        )
        expect(r.heads.map((h) => h.status)).toEqual([201])
        expect(r.body).toBe('ok')
      })

      it('expects no body for HEAD, 204 and 304', () => {
        expect(parse('HEAD', 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n', split).completed).toBe(1)
        expect(parse('GET', 'HTTP/1.1 204 No Content\r\n\r\n', split).completed).toBe(1)
        expect(parse('GET', 'HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n', split).completed).toBe(
          1,
        )
      })

      it('reads a body without length until the connection closes, and never reuses it', () => {
        const r = parse('GET', 'HTTP/1.1 200 OK\r\n\r\nstream of bytes', split, true)
        expect(r.heads[0]!.keepAlive).toBe(false)
        expect(r.body).toBe('stream of bytes')
        expect(r.completed).toBe(1)
      })
    })
  }

  it('knows when a connection may be reused', () => {
    expect(
      parse('GET', 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n').heads[0]!.keepAlive,
    ).toBe(false)
    expect(parse('GET', 'HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n').heads[0]!.keepAlive).toBe(false)
    expect(
      parse('GET', 'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n').heads[0]!
        .keepAlive,
    ).toBe(true)
    const hinted = parse(
      'GET',
      'HTTP/1.1 200 OK\r\nKeep-Alive: timeout=2, max=100\r\nContent-Length: 0\r\n\r\n',
    )
    expect(hinted.heads[0]!.keepAliveTimeoutMs).toBe(2000)
  })

  it('refuses malformed responses', () => {
    const bad = [
      'HTTP/2 200 OK\r\n\r\n',
      'HTTP/1.1 2000 OK\r\n\r\n',
      'HTTP/1.1 200 OK\r\nno colon here\r\n\r\n',
      'HTTP/1.1 200 OK\r\n folded: value\r\n\r\n',
      'HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY',
      'HTTP/1.1 101 Switching Protocols\r\n\r\n',
    ]
    for (const wire of bad) expect(() => parse('GET', wire), wire).toThrow(ResponseParseError)
    expect(() => parse('GET', `HTTP/1.1 200 OK\r\nX: ${'a'.repeat(70 * 1024)}`)).toThrow(/too large/)
  })

  it('notices data after the end of a response', () => {
    const parser = new ResponseParser({ onHead() {}, onBody() {}, onComplete() {} })
    parser.expect('GET')
    parser.execute(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxHTTP/1.1 200 OK\r\n'))
    expect(parser.complete).toBe(true)
    expect(parser.reusable).toBe(false)
  })

  it('reports a body cut short by the connection closing', () => {
    const parser = new ResponseParser({ onHead() {}, onBody() {}, onComplete() {} })
    parser.expect('GET')
    parser.execute(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'))
    expect(parser.end()).toBe(false)
  })
})

/** A TCP server that answers each request on a connection with the next scripted reply. */
async function scriptedServer(
  reply: (request: string, socket: net.Socket, index: number) => void,
): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let connections = 0
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    connections++
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    let buffer = ''
    let index = 0
    socket.on('data', (data) => {
      buffer += data.toString('latin1')
      for (;;) {
        const end = buffer.indexOf('\r\n\r\n')
        if (end < 0) return
        const head = buffer.slice(0, end)
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0)
        const chunked = /transfer-encoding: chunked/i.test(head)
        let total = end + 4 + length
        if (chunked) {
          const last = buffer.indexOf('0\r\n\r\n', end + 4)
          if (last < 0) return
          total = last + 5
        }
        if (buffer.length < total) return
        const request = buffer.slice(0, total)
        buffer = buffer.slice(total)
        reply(request, socket, index++)
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

describe('Forwarder against scripted pods', () => {
  const forwarder = new Forwarder(2000)
  let front: http.Server
  let frontPort = 0
  let upstreamPort = 0
  let failures: string[] = []

  beforeAll(async () => {
    front = http.createServer((req, res) => {
      const headers: string[] = []
      for (let i = 0; i < req.rawHeaders.length; i += 2)
        if (!/^(connection|transfer-encoding)$/i.test(req.rawHeaders[i]!))
          headers.push(req.rawHeaders[i]!, req.rawHeaders[i + 1]!)
      forwarder.forward(req, res, { host: '127.0.0.1', port: upstreamPort }, headers, {
        activity() {},
        failed(error) {
          failures.push(error.code ?? error.message)
          res.writeHead(502)
          res.end('failed')
        },
      })
    })
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve))
    frontPort = (front.address() as net.AddressInfo).port
  })
  afterAll(async () => {
    forwarder.close()
    await new Promise<void>((resolve) => front.close(() => resolve()))
  })

  const request = (path: string, options: { method?: string; body?: string; chunked?: boolean } = {}) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: frontPort,
          path,
          method: options.method ?? 'GET',
          agent: false,
          headers:
            options.body !== undefined && !options.chunked
              ? { 'content-length': Buffer.byteLength(options.body) }
              : {},
        },
        (res) => {
          let body = ''
          res.on('data', (c: Buffer) => {
            body += c.toString()
          })
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
          res.on('error', reject)
          res.on('close', () => {
            if (!res.complete) reject(new Error('response cut off'))
          })
        },
      )
      req.on('error', reject)
      if (options.body !== undefined) {
        if (options.chunked) {
          req.write(options.body.slice(0, 3))
          setTimeout(() => req.end(options.body!.slice(3)), 20)
        } else req.end(options.body)
      } else req.end()
    })

  it('reuses one connection for consecutive requests', async () => {
    const pod = await scriptedServer((_r, socket) =>
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'),
    )
    upstreamPort = pod.port
    for (let i = 0; i < 5; i++) expect((await request('/')).body).toBe('ok')
    expect(pod.connections()).toBe(1)
    await pod.close()
  })

  it('relays chunked, close-delimited and HEAD responses', async () => {
    const pod = await scriptedServer((request, socket) => {
      if (request.startsWith('HEAD')) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n')
      else if (request.includes('/chunked'))
        socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n')
      else {
        socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close')
        socket.end()
      }
    })
    upstreamPort = pod.port
    expect((await request('/chunked')).body).toBe('abcdef')
    const head = await request('/', { method: 'HEAD' })
    expect(head.headers['content-length']).toBe('50')
    expect(head.body).toBe('')
    expect((await request('/close')).body).toBe('until close')
    await pod.close()
  })

  it('frames a chunked answer for an HTTP/1.0 client by closing the connection', async () => {
    const pod = await scriptedServer((_r, socket) =>
      socket.write(
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nold \r\n6\r\nclient\r\n0\r\n\r\n',
      ),
    )
    upstreamPort = pod.port
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(frontPort, '127.0.0.1', () =>
        socket.write('GET / HTTP/1.0\r\nHost: x\r\n\r\n'),
      )
      let text = ''
      socket.on('data', (d) => {
        text += d.toString('latin1')
      })
      socket.on('end', () => resolve(text))
      socket.on('error', reject)
    })
    expect(raw).toMatch(/^HTTP\/1\.1 200 OK/)
    expect(raw).not.toMatch(/transfer-encoding/i)
    expect(raw.endsWith('\r\n\r\nold client')).toBe(true)
    await pod.close()
  })

  it('sends request bodies with their framing, chunked ones re-framed', async () => {
    const seen: string[] = []
    const pod = await scriptedServer((request, socket) => {
      seen.push(request)
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')
    })
    upstreamPort = pod.port
    await request('/fixed', { method: 'POST', body: 'hello' })
    await request('/chunked', { method: 'POST', body: 'hello world', chunked: true })
    expect(seen[0]).toMatch(/content-length: 5\r\n/i)
    expect(seen[0]).toMatch(/\r\n\r\nhello$/)
    expect(seen[0]).not.toMatch(/transfer-encoding/i)
    expect(seen[1]).toContain('Transfer-Encoding: chunked\r\n')
    expect(seen[1]).toMatch(/\r\n0\r\n\r\n$/)
    expect(seen[1]!.replace(/\r\n[0-9a-f]+\r\n/g, '|')).toContain('hel|lo world')
    await pod.close()
  })

  it('retries an idempotent request once when a reused connection turns out closed', async () => {
    const pod = await scriptedServer((_r, socket, index) => {
      if (index === 0) {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst')
        return
      }
      // The pod drops the kept-alive connection instead of answering the second request.
      socket.destroy()
    })
    upstreamPort = pod.port
    expect((await request('/')).body).toBe('first')
    const second = await request('/')
    expect(second.body).toBe('first')
    expect(pod.connections()).toBe(2)
    await pod.close()
  })

  it('turns refusals and broken answers into failures, or cuts the client off once answering', async () => {
    failures = []
    const closed = await scriptedServer(() => {})
    upstreamPort = closed.port
    await closed.close()
    expect((await request('/')).status).toBe(502)
    expect(failures).toContain('ECONNREFUSED')

    const garbage = await scriptedServer((_r, socket) => socket.write('SSH-2.0-OpenSSH\r\n\r\n'))
    upstreamPort = garbage.port
    expect((await request('/')).status).toBe(502)
    expect(failures).toContain('UPSTREAM_PROTOCOL_ERROR')
    await garbage.close()

    const truncated = await scriptedServer((_r, socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial')
      setTimeout(() => socket.destroy(), 20)
    })
    upstreamPort = truncated.port
    await expect(request('/')).rejects.toThrow()
    await truncated.close()
  })

  it('answers the client when the pod refuses an upload before reading it, and drops that connection', async () => {
    let connections = 0
    const sockets: net.Socket[] = []
    const early = net.createServer((socket) => {
      connections++
      sockets.push(socket)
      socket.once('data', () => socket.write('HTTP/1.1 401 Unauthorized\r\nContent-Length: 4\r\n\r\nnope'))
      socket.on('error', () => {})
    })
    await new Promise<void>((resolve) => early.listen(0, '127.0.0.1', resolve))
    upstreamPort = (early.address() as net.AddressInfo).port
    const res = await request('/upload', { method: 'POST', body: 'x'.repeat(64 * 1024), chunked: true })
    expect(res.status).toBe(401)
    expect(res.body).toBe('nope')
    expect((await request('/')).status).toBe(401)
    expect(connections).toBe(2)
    for (const socket of sockets) socket.destroy()
    await new Promise<void>((resolve) => early.close(() => resolve()))
  })

  it('closes a connection whose answer came before the whole request body', async () => {
    const pod = await scriptedServer((_r, socket) =>
      socket.write('HTTP/1.1 413 Payload Too Large\r\nContent-Length: 3\r\n\r\nbig'),
    )
    upstreamPort = pod.port
    expect((await request('/', { method: 'POST', body: 'x'.repeat(10) })).status).toBe(413)
    expect((await request('/')).status).toBe(413)
    await pod.close()
  })
})
