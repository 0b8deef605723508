/**
 * Writes docs/api/openapi.json (OpenAPI 3.1, generated from the route schemas) and
 * docs/api/reference.md (a readable index of every endpoint). `--check` fails when the committed
 * files are out of date, which the test suite runs.
 */
import fs from 'node:fs'
import path from 'node:path'
import { legacyStatus, type PodStatus, PodStatuses } from '@neuropod/contracts'
import { loadConfig } from '../src/config.js'
import { type DatabaseHandle, openPglite } from '../src/db/database.js'
import { startServer } from '../src/platform/server.js'

const root = path.resolve(import.meta.dirname, '../../..')
const jsonPath = path.join(root, 'docs/api/openapi.json')
const mdPath = path.join(root, 'docs/api/reference.md')

interface Operation {
  summary?: string
  tags?: string[]
  responses?: Record<string, unknown>
}

export async function generateOpenApi(
  database?: DatabaseHandle,
): Promise<{ json: string; markdown: string }> {
  const config = loadConfig({
    NEUROPOD_LOG_LEVEL: 'silent',
    NEUROPOD_RUNTIME: 'simulated',
    NEUROPOD_DEV_LOGIN: 'true',
    GOOGLE_CLIENT_ID: 'openapi-generation',
    NEUROPOD_SECRET: 'openapi-generation-secret-openapi-generation',
    NEUROPOD_ADMIN_PASSWORD: 'openapi-generation',
  })
  const server = await startServer(config, { database: database ?? (await openPglite({})) }, false)
  try {
    const spec = (server.app as unknown as { swagger(): Record<string, unknown> }).swagger()
    const json = `${JSON.stringify(spec, null, 2)}\n`
    const paths = spec.paths as Record<string, Record<string, Operation>>
    const lines = [
      '# API reference',
      '',
      'Generated from the route schemas by `npm run openapi` (do not edit). The full OpenAPI 3.1 document is',
      '[openapi.json](openapi.json); a running server serves an interactive reference at `/api/docs`.',
      '',
      'Authenticate with `Authorization: Bearer <token>` (session token from `/api/auth/login`, or an API key).',
      'Errors are `{ "success": false, "message", "code", "errors"?: [{ "field", "message" }] }`.',
      '',
      ...statusSection(),
    ]
    const byTag = new Map<string, string[]>()
    for (const [p, methods] of Object.entries(paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const tag = op.tags?.[0] ?? 'Other'
        const codes = Object.keys(op.responses ?? {}).join(', ')
        const list = byTag.get(tag) ?? []
        list.push(`| \`${method.toUpperCase()}\` | \`${p}\` | ${op.summary ?? ''} | ${codes} |`)
        byTag.set(tag, list)
      }
    }
    for (const [tag, rows] of byTag) {
      lines.push(
        `## ${tag}`,
        '',
        '| Method | Path | Summary | Responses |',
        '| --- | --- | --- | --- |',
        ...rows,
        '',
      )
    }
    return { json, markdown: `${lines.join('\n').trimEnd()}\n` }
  } finally {
    await server.close()
  }
}

const STATUS_MEANING: Record<PodStatus, string> = {
  pending: 'Accepted; waiting for the reconciler to place it (GPUs, runtime)',
  creating: 'The runtime is pulling the image or starting the container; ports not ready yet',
  running: 'The container runs and every HTTP port answers',
  stopping: 'Stop requested; the container is being stopped',
  stopped: 'No container; the volume is kept',
  error: 'Failed (see `statusReason`, `exitCode`); start it again or delete it',
  deleting: 'Delete requested; container and volume are being removed',
}

/** The statuses, and what clients written for the original NeuroPod see in `legacyStatus`. */
function statusSection(): string[] {
  return [
    '## Pod statuses',
    '',
    'Pods, `/connections`, `podUpdate` and `podCreated` carry `status` and `legacyStatus`: the status',
    "mapped onto the original NeuroPod's four (`creating`, `running`, `stopped`, `error`), so old clients",
    'can switch on one field. `podUpdate` also carries `stats`, `httpServices` and `tcpServices` at the top',
    'level, as the original sent them, besides the whole `pod` (events: `packages/contracts/src/realtime.ts`).',
    '',
    '| `status` | `legacyStatus` | Meaning |',
    '| --- | --- | --- |',
    ...PodStatuses.map((s) => `| \`${s}\` | \`${legacyStatus(s)}\` | ${STATUS_MEANING[s]} |`),
    '',
  ]
}

if (process.argv[1] && import.meta.filename === path.resolve(process.argv[1])) {
  const { json, markdown } = await generateOpenApi()
  if (process.argv.includes('--check')) {
    const stale = fs.readFileSync(jsonPath, 'utf8') !== json || fs.readFileSync(mdPath, 'utf8') !== markdown
    if (stale) {
      console.error('docs/api is out of date: run `npm run openapi`')
      process.exit(1)
    }
  } else {
    fs.mkdirSync(path.dirname(jsonPath), { recursive: true })
    fs.writeFileSync(jsonPath, json)
    fs.writeFileSync(mdPath, markdown)
    console.log(`wrote ${path.relative(root, jsonPath)} and ${path.relative(root, mdPath)}`)
  }
}
