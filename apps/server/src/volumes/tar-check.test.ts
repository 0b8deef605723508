import { describe, expect, it } from 'vitest'
import { entryProblem, volumePath } from './tar-check.js'

describe('paths inside a volume', () => {
  it('normalises relative paths and refuses absolute ones, .. and control characters', () => {
    expect(volumePath(undefined)).toEqual({ path: '' })
    expect(volumePath('')).toEqual({ path: '' })
    expect(volumePath('./data//sets/')).toEqual({ path: 'data/sets' })
    expect(volumePath('/etc')).toEqual({ problem: 'The path must be relative to the volume (no leading /)' })
    expect(volumePath('a/../../etc')).toEqual({ problem: 'The path must not contain ..' })
    expect(volumePath('..')).toEqual({ problem: 'The path must not contain ..' })
    expect(volumePath('a\u0000b')).toEqual({ problem: 'The path must not contain control characters' })
  })
})

describe('tar entries', () => {
  const ok = (header: Parameters<typeof entryProblem>[0], links = new Set<string>()) =>
    entryProblem(header, links)

  it('accepts files, folders and links that stay inside', () => {
    expect(ok({ name: './', type: 'directory' })).toBeNull()
    expect(ok({ name: 'data/a.bin', type: 'file' })).toBeNull()
    expect(ok({ name: 'data/', type: 'directory' })).toBeNull()
    expect(ok({ name: 'data/latest', type: 'symlink', linkname: 'a.bin' })).toBeNull()
    expect(ok({ name: 'data/up', type: 'symlink', linkname: '../other' })).toBeNull()
    expect(ok({ name: 'data/hard', type: 'link', linkname: 'data/a.bin' })).toBeNull()
  })

  it('refuses absolute names, .., links that leave, writes through links and special files', () => {
    expect(ok({ name: '/etc/passwd' })).toBe('/etc/passwd: absolute paths are refused')
    expect(ok({ name: '../x' })).toBe('../x: .. is refused')
    expect(ok({ name: 'a/../../x' })).toBe('a/../../x: .. is refused')
    expect(ok({ name: 'evil', type: 'symlink', linkname: '/etc' })).toBe(
      'evil: links to an absolute path (/etc) are refused',
    )
    expect(ok({ name: 'a/evil', type: 'symlink', linkname: '../../etc' })).toBe(
      'a/evil: links outside the upload (../../etc) are refused',
    )
    expect(ok({ name: 'hard', type: 'link', linkname: '../secret' })).toBe(
      'hard: links outside the upload (../secret) are refused',
    )
    expect(ok({ name: 'inside/file' }, new Set(['inside']))).toBe(
      'inside/file: writes through the symlink inside',
    )
    expect(ok({ name: 'dev', type: 'character-device' })).toBe(
      'dev: character-device entries (devices, FIFOs…) are refused',
    )
  })
})
