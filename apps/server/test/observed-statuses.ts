import fs from 'node:fs'
import path from 'node:path'
import type { ObservedStatus } from './status-recorder.js'

/*
 * The end-of-run check behind test/status-recorder.ts: every response status a server test saw
 * on an operation of the OpenAPI document must be documented for that operation. A route the
 * document does not describe (pod URLs, the web UI) is not checked.
 */

interface OpenApi {
  paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>
}

export interface StatusFinding {
  method: string
  path: string
  status: number
  documented: string[]
  testFiles: string[]
  example: string
}

/** Fastify's `/api/pods/:podId` → OpenAPI's `/api/pods/{podId}` */
export function openApiPath(route: string): string {
  return route.replace(/:([A-Za-z0-9_]+)(\([^)]*\))?/g, '{$1}')
}

function documents(responses: Record<string, unknown>, status: number): boolean {
  const code = String(status)
  return code in responses || `${code[0]}XX` in responses || 'default' in responses
}

export function undocumentedStatuses(
  spec: OpenApi,
  files: { testFile: string; statuses: ObservedStatus[] }[],
): StatusFinding[] {
  const findings = new Map<string, StatusFinding>()
  for (const file of files) {
    for (const seen of file.statuses) {
      const p = openApiPath(seen.route)
      const operations = spec.paths[p]
      if (!operations) continue
      let method = seen.method.toLowerCase()
      // Fastify answers HEAD for every GET route; the document lists the GET.
      if (method === 'head' && !operations.head) method = 'get'
      const operation = operations[method]
      if (!operation) continue
      const responses = operation.responses ?? {}
      if (documents(responses, seen.status)) continue
      const key = `${method} ${p} ${seen.status}`
      const finding = findings.get(key) ?? {
        method: method.toUpperCase(),
        path: p,
        status: seen.status,
        documented: Object.keys(responses),
        testFiles: [],
        example: seen.example,
      }
      if (!finding.testFiles.includes(file.testFile)) finding.testFiles.push(file.testFile)
      findings.set(key, finding)
    }
  }
  return [...findings.values()].sort((a, b) =>
    `${a.path} ${a.method} ${a.status}`.localeCompare(`${b.path} ${b.method} ${b.status}`),
  )
}

export function readRecords(dir: string): { testFile: string; statuses: ObservedStatus[] }[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')))
}

export function formatFindings(findings: StatusFinding[]): string {
  return [
    `${findings.length} response status(es) the tests observed are not in docs/api/openapi.json`,
    '(document them in the route schema and run `npm run openapi`, or fix the code if the status is wrong):',
    ...findings.map(
      (f) =>
        `  ${f.method} ${f.path} → ${f.status} (documented: ${f.documented.join(', ') || 'none'}; e.g. ${f.example}; seen in ${f.testFiles.join(', ')})`,
    ),
  ].join('\n')
}
