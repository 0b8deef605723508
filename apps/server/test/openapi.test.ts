import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { generateOpenApi } from '../scripts/openapi.js'
import { cloneDatabase } from './harness.js'

describe('API reference', () => {
  it('is generated from the route schemas and committed up to date (run `npm run openapi`)', async () => {
    const { json, markdown } = await generateOpenApi((await cloneDatabase()).handle)
    const docs = path.resolve(import.meta.dirname, '../../../docs/api')
    const spec = JSON.parse(json)
    expect(spec.openapi).toBe('3.1.0')
    expect(Object.keys(spec.paths)).toContain('/api/pods/{podId}/connections')
    expect(fs.readFileSync(path.join(docs, 'openapi.json'), 'utf8')).toBe(json)
    expect(fs.readFileSync(path.join(docs, 'reference.md'), 'utf8')).toBe(markdown)
  })
})
