import fs from 'node:fs'
import path from 'node:path'
import semver from 'semver'
import { describe, expect, it } from 'vitest'

const root = path.resolve(import.meta.dirname, '../../..')
const read = (file: string) => JSON.parse(fs.readFileSync(path.join(root, file), 'utf8'))

/**
 * `package.json` promises the Node versions in `engines`; every installed package must run on each
 * of them (npm only warns, EBADENGINE, so this is checked here and `.ci/run` fails on the warning).
 */
describe('Node engines', () => {
  const promised: string = read('package.json').engines.node
  // The oldest release of each even (maintained) line the promise includes.
  const versions = [20, 22, 24, 26]
    .map((major) =>
      Array.from({ length: 60 }, (_, minor) => `${major}.${minor}.0`).find((v) =>
        semver.satisfies(v, promised),
      ),
    )
    .filter((v): v is string => v !== undefined)

  it('are promised for maintained lines the tooling supports', () => {
    expect(versions).toEqual(['20.19.0', '22.13.0', '24.0.0', '26.0.0'])
    expect(semver.satisfies(process.version, promised)).toBe(true)
  })

  it('are supported by every package in the lockfile', () => {
    const packages: Record<string, { version?: string; engines?: { node?: string } }> =
      read('package-lock.json').packages
    const unsupported: string[] = []
    for (const [where, pkg] of Object.entries(packages)) {
      const range = pkg.engines?.node
      if (!where || !range) continue
      for (const v of versions)
        if (!semver.satisfies(v, range)) unsupported.push(`${where}@${pkg.version} needs ${range}, not ${v}`)
    }
    expect(unsupported).toEqual([])
  })
})
