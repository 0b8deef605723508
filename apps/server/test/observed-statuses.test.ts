import { describe, expect, it } from 'vitest'
import { openApiPath, undocumentedStatuses } from './observed-statuses.js'

describe('observed statuses vs the OpenAPI document', () => {
  const spec = {
    paths: {
      '/api/pods/{podId}': {
        get: { responses: { 200: {}, 401: {}, 404: {} } },
        delete: { responses: { '2XX': {} } },
      },
      '/api/other': { post: { responses: { default: {} } } },
    },
  }
  const seen = (method: string, route: string, status: number) => ({
    method,
    route,
    status,
    count: 1,
    example: route,
  })

  it('maps Fastify route patterns to OpenAPI paths', () => {
    expect(openApiPath('/api/pods/:podId/ports/:port')).toBe('/api/pods/{podId}/ports/{port}')
    expect(openApiPath('/api/x/:id(^\\d+)')).toBe('/api/x/{id}')
  })

  it('reports a status the operation does not document, once, with every test file that saw it', () => {
    const findings = undocumentedStatuses(spec, [
      {
        testFile: 'a.test.ts',
        statuses: [
          seen('GET', '/api/pods/:podId', 200),
          seen('GET', '/api/pods/:podId', 500),
          seen('HEAD', '/api/pods/:podId', 403),
          seen('DELETE', '/api/pods/:podId', 204),
          seen('POST', '/api/other', 418),
          seen('GET', '/not/in/the/document', 500),
        ],
      },
      { testFile: 'b.test.ts', statuses: [seen('GET', '/api/pods/:podId', 500)] },
    ])
    expect(findings.map((f) => [f.method, f.path, f.status, f.testFiles])).toEqual([
      ['GET', '/api/pods/{podId}', 403, ['a.test.ts']],
      ['GET', '/api/pods/{podId}', 500, ['a.test.ts', 'b.test.ts']],
    ])
    expect(findings[0]?.documented).toEqual(['200', '401', '404'])
  })
})
