import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  csvNumber,
  figuresForDevices,
  type GpuReading,
  parseGpuReadingLine,
  QUERY_FIELDS,
} from './nvidia-smi-metrics.js'

const FIXTURES = path.resolve(import.meta.dirname, '../../../test/fixtures/nvidia-smi')

/**
 * A recorded `--format=csv` output (header + rows, any columns) projected onto the columns the
 * monitor asks for, in its order: what `--query-gpu=index,uuid,… --format=csv,noheader` prints.
 */
function projected(file: string): string[] {
  const lines = fs
    .readFileSync(path.join(FIXTURES, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
  const header = lines[0]!.split(',').map((h) => h.trim().replace(/\s*\[.*\]$/, ''))
  return lines.slice(1).map((row) => {
    const cells = row.split(',').map((c) => c.trim())
    return QUERY_FIELDS.map((f) => {
      const i = header.indexOf(f)
      if (i < 0) throw new Error(`${file} has no column ${f}`)
      return cells[i]
    }).join(', ')
  })
}

function readings(lines: string[]): Map<string, GpuReading> {
  const map = new Map<string, GpuReading>()
  for (const l of lines) {
    const r = parseGpuReadingLine(l)
    if (!r) continue
    map.set(r.index, r)
    if (r.uuid) map.set(r.uuid, r)
  }
  return map
}

const MIB = 1024 * 1024

describe('nvidia-smi --query-gpu parsing', () => {
  it('reads an H100 in MIG mode (driver 590.48.01): utilisation is [N/A], the rest is there', () => {
    const [line] = projected('h100-mig-590.48.01.csv')
    expect(parseGpuReadingLine(line!)).toEqual({
      index: '0',
      uuid: 'GPU-00000000-0000-0000-0000-000000000000',
      utilizationPercent: null,
      memoryUsedMiB: 59,
      memoryTotalMiB: 81559,
      temperatureC: 42,
      powerW: 71.15,
    })
    const f = figuresForDevices(readings([line!]), ['0'])
    expect(f.gpuUtilizationPercent).toBeNull()
    expect(f.unavailable.gpuUtilizationPercent).toMatch(/MIG/)
    expect(f.vramUsedBytes).toBe(59 * MIB)
    expect(f.vramTotalBytes).toBe(81559 * MIB)
    expect(f.gpuTemperatureC).toBe(42)
    expect(f.gpuPowerWatts).toBe(71.15)
  })

  it('maps eight A800s (driver 535.104.12) to pods by index and by UUID', () => {
    const lines = projected('a800-x8-535.104.12.csv')
    expect(lines).toHaveLength(8)
    const all = readings(lines)
    const busy = figuresForDevices(all, ['6'])
    expect(busy).toMatchObject({
      gpuUtilizationPercent: 100,
      vramUsedBytes: 74829 * MIB,
      vramTotalBytes: 81920 * MIB,
      gpuTemperatureC: 70,
      gpuPowerWatts: 359.75,
      unavailable: {},
    })
    // Two devices: mean utilisation, summed memory and power, the hottest temperature.
    const pair = figuresForDevices(all, ['GPU-105ee81f-dddd-aaf0-2e30-ca1593fdbf18', '7'])
    expect(pair).toMatchObject({
      gpuUtilizationPercent: 50,
      vramUsedBytes: (74829 + 2) * MIB,
      vramTotalBytes: 2 * 81920 * MIB,
      gpuTemperatureC: 70,
      gpuPowerWatts: 430.83,
    })
  })

  // Hand-written (no recording at hand): GeForce boards on older drivers print [Not Supported]
  // for power, some print [Unknown Error]; `nounits` output has no units at all.
  it('treats [Not Supported], [Unknown Error], N/A and garbage as missing, never as zero', () => {
    for (const v of [
      '[N/A]',
      'N/A',
      '[Not Supported]',
      '[Unknown Error]',
      '',
      'abc',
      '[Requested functionality has been deprecated]',
    ])
      expect(csvNumber(v)).toBeNull()
    expect(csvNumber('35')).toBe(35)
    expect(csvNumber('71.15 W')).toBe(71.15)
    const line = '1, GPU-5d1a3c7e-0000-4f00-8000-000000000001, 12, 1024, 8192, 55, [Not Supported]'
    expect(parseGpuReadingLine(line)).toMatchObject({ index: '1', utilizationPercent: 12, powerW: null })
    const f = figuresForDevices(readings([line]), ['1'])
    expect(f.gpuPowerWatts).toBeNull()
    expect(f.unavailable.gpuPowerWatts).toMatch(/power/)
    expect(f.gpuUtilizationPercent).toBe(12)
  })

  it('skips lines that are not device rows and says which devices it does not see', () => {
    expect(parseGpuReadingLine('index, uuid, utilization.gpu [%]')).toBeNull()
    expect(parseGpuReadingLine('No devices were found')).toBeNull()
    expect(parseGpuReadingLine('0, GPU-x, 1')).toBeNull()
    const f = figuresForDevices(readings(projected('h100-mig-590.48.01.csv')), [
      'MIG-4b3c2d1e-0000-0000-0000-000000000000',
    ])
    expect(f.vramUsedBytes).toBeNull()
    expect(f.unavailable.vramUsedBytes).toMatch(/does not report device MIG-/)
  })
})
