import { randomBytes } from 'node:crypto'
import diagnostics from 'node:diagnostics_channel'
import fs from 'node:fs'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterAll, expect, inject } from 'vitest'

/*
 * Setup file (vitest `setupFiles`): every Fastify instance a test file creates gets an onResponse
 * hook, through Fastify's `fastify.initialization` diagnostics channel, that records (method,
 * route pattern, status) of every response. The records of one test file go to one JSON file in
 * the run's directory; global-setup.ts compares them with docs/api/openapi.json at the end of
 * the run (test/observed-statuses.ts).
 */

export interface ObservedStatus {
  method: string
  /** Fastify's route pattern, e.g. /api/pods/:podId */
  route: string
  status: number
  count: number
  /** One URL that answered so, for the report */
  example: string
}

const dir = inject('statusRecordDir')
const observed = new Map<string, ObservedStatus>()

function record(method: string, route: string, status: number, url: string): void {
  const key = `${method} ${route} ${status}`
  const seen = observed.get(key)
  if (seen) seen.count++
  else observed.set(key, { method, route, status, count: 1, example: url.slice(0, 200) })
}

const onInit = (message: unknown) => {
  const { fastify } = message as { fastify: FastifyInstance }
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url
    if (route) record(request.method, route, reply.statusCode, request.url)
    done()
  })
}

if (dir) {
  diagnostics.subscribe('fastify.initialization', onInit)
  afterAll(() => {
    diagnostics.unsubscribe('fastify.initialization', onInit)
    if (observed.size === 0) return
    const testFile = expect.getState().testPath ?? 'unknown'
    const name = `${path.basename(testFile)}.${process.pid}.${randomBytes(3).toString('hex')}.json`
    fs.writeFileSync(
      path.join(dir, name),
      JSON.stringify({ testFile: path.relative(process.cwd(), testFile), statuses: [...observed.values()] }),
    )
  })
}
