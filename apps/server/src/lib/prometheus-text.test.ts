import { describe, expect, it } from 'vitest'
import { parseLabels, parsePrometheusText } from './prometheus-text.js'

describe('Prometheus text format parser', () => {
  it('reads families, types, labels with escapes, histograms and special values', () => {
    const families = parsePrometheusText(`# HELP http_seconds Request duration
# TYPE http_seconds histogram
http_seconds_bucket{route="/api/pods/:podId",le="0.1"} 3
http_seconds_bucket{route="/api/pods/:podId",le="+Inf"} 4
http_seconds_sum{route="/api/pods/:podId"} 0.42
http_seconds_count{route="/api/pods/:podId"} 4
# TYPE up gauge
up 1 1700000000000
weird{msg="a \\"quoted\\" \\\\ thing\\nnext"} NaN
broken{ 1
`)
    const h = families.get('http_seconds')!
    expect(h.type).toBe('histogram')
    expect(h.help).toBe('Request duration')
    expect(h.samples.map((s) => s.name)).toEqual([
      'http_seconds_bucket',
      'http_seconds_bucket',
      'http_seconds_sum',
      'http_seconds_count',
    ])
    expect(h.samples[1]!.labels.le).toBe('+Inf')
    expect(families.get('up')!.samples[0]!.value).toBe(1)
    expect(families.get('weird')!.samples[0]!.labels.msg).toBe('a "quoted" \\ thing\nnext')
    expect(Number.isNaN(families.get('weird')!.samples[0]!.value)).toBe(true)
    expect(families.has('broken')).toBe(false)
    expect(parseLabels('a="1",b="2",')).toEqual({ a: '1', b: '2' })
    expect(parseLabels('a=1')).toBeNull()
  })
})
