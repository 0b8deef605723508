#!/usr/bin/env node
// Regenerates the measured part of docs/architecture.md (file sizes per folder, the largest files,
// the server's folder-level import graph) between its GENERATED markers, so the document cannot
// drift from the code. `--check` (run by `npm run lint`) writes nothing and fails with a diff when
// the document is stale: run `npm run docs:architecture` and commit the result.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '..')
const docPath = path.join(root, 'docs/architecture.md')
const BEGIN = '<!-- BEGIN GENERATED: npm run docs:architecture -->'
const END = '<!-- END GENERATED -->'
/** Source roots measured, in the order they are shown. */
const SOURCE_ROOTS = ['apps/server/src', 'apps/web/src', 'apps/cli/src', 'packages/contracts/src']
const SERVER = 'apps/server/src'
/** Files at least this long are listed one by one. */
const LARGE_FILE_LINES = 350

const isSource = (file) => /\.(ts|tsx)$/.test(file) && !/\.d\.ts$/.test(file)
const isTest = (file) => /\.test\.tsx?$/.test(file)

function walk(dir) {
  const out = []
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) out.push(...walk(full))
    else if (isSource(entry.name)) out.push(full)
  }
  return out.sort()
}

const rel = (file) => path.relative(root, file).split(path.sep).join('/')
const lineCount = (text) => (text.length === 0 ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0))

/** The folder a file belongs to for the tables: its first directory under the source root (or the root). */
function folderOf(sourceRoot, file) {
  const inner = path.relative(path.join(root, sourceRoot), file).split(path.sep)
  return inner.length === 1 ? `${sourceRoot}/` : `${sourceRoot}/${inner[0]}/`
}

function sizeTables(files) {
  const folders = new Map()
  for (const { sourceRoot, file, lines } of files) {
    const key = folderOf(sourceRoot, file)
    const entry = folders.get(key) ?? { files: 0, lines: 0, tests: 0, testLines: 0 }
    if (isTest(file)) {
      entry.tests++
      entry.testLines += lines
    } else {
      entry.files++
      entry.lines += lines
    }
    folders.set(key, entry)
  }
  const rows = [...folders].map(
    ([folder, e]) => `| \`${folder}\` | ${e.files} | ${e.lines} | ${e.tests} | ${e.testLines} |`,
  )
  const large = files
    .filter(({ file, lines }) => !isTest(file) && lines >= LARGE_FILE_LINES)
    .sort((a, b) => b.lines - a.lines || rel(a.file).localeCompare(rel(b.file)))
    .map(({ file, lines }) => `| \`${rel(file)}\` | ${lines} |`)
  return [
    '### File sizes',
    '',
    'Lines per folder (source files, then the unit tests kept beside them).',
    '',
    '| Folder | Files | Lines | Test files | Test lines |',
    '| --- | --: | --: | --: | --: |',
    ...rows,
    '',
    `Files of ${LARGE_FILE_LINES} lines or more (the lint caps every file at 700 lines):`,
    '',
    '| File | Lines |',
    '| --- | --: |',
    ...(large.length > 0 ? large : ['| (none) | |']),
  ]
}

const IMPORT = /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/g

/** The server folder a module belongs to in the graph: `pods`, `pods/reconciler`, `runtime/docker`, or a root file. */
function graphNode(file) {
  const inner = path.relative(path.join(root, SERVER), file).split(path.sep)
  if (inner.length === 1) return inner[0].replace(/\.tsx?$/, '.ts')
  if (inner.length >= 3 && (inner[0] === 'runtime' || inner[0] === 'pods' || inner[0] === 'proxy'))
    return `${inner[0]}/${inner[1]}`
  return inner[0]
}

function importGraph(files) {
  /** node → imported node → 'value' | 'type' (value wins) */
  const edges = new Map()
  for (const { sourceRoot, file, text } of files) {
    if (sourceRoot !== SERVER || isTest(file)) continue
    const from = graphNode(file)
    for (const match of text.matchAll(IMPORT)) {
      const [, , typeOnly, specifier] = match
      if (!specifier.startsWith('.')) continue
      const target = path.resolve(path.dirname(file), specifier.replace(/\.js$/, '.ts'))
      const to = graphNode(target)
      if (to === from) continue
      const targets = edges.get(from) ?? new Map()
      if (targets.get(to) !== 'value') targets.set(to, typeOnly ? 'type' : 'value')
      edges.set(from, targets)
    }
  }
  const nodes = [
    ...new Set(files.filter((f) => f.sourceRoot === SERVER && !isTest(f.file)).map((f) => graphNode(f.file))),
  ]
  nodes.sort()
  const rows = nodes.map((node) => {
    const targets = [...(edges.get(node) ?? new Map())].sort(([a], [b]) => a.localeCompare(b))
    const list = targets.map(([to, kind]) => (kind === 'type' ? `${to} (types)` : to)).join(', ')
    return `| \`${node}\` | ${list || '—'} |`
  })
  return [
    '### Server import graph',
    '',
    'Which folders of `apps/server/src` each folder imports (tests excluded; "(types)": only',
    '`import type`, erased at build time). Subfolders of `pods/`, `proxy/` and `runtime/` are shown',
    'on their own.',
    '',
    '| Folder | Imports |',
    '| --- | --- |',
    ...rows,
  ]
}

function generate() {
  const files = []
  for (const sourceRoot of SOURCE_ROOTS) {
    for (const file of walk(path.join(root, sourceRoot))) {
      const text = fs.readFileSync(file, 'utf8')
      files.push({ sourceRoot, file, text, lines: lineCount(text) })
    }
  }
  return [...sizeTables(files), '', ...importGraph(files)].join('\n')
}

function render(doc, block) {
  const start = doc.indexOf(BEGIN)
  const end = doc.indexOf(END)
  if (start < 0 || end < start) throw new Error(`docs/architecture.md has no ${BEGIN} … ${END} block`)
  return `${doc.slice(0, start + BEGIN.length)}\n\n${block}\n\n${doc.slice(end)}`
}

/** Biome formats Markdown (aligned tables): the check compares what Biome would keep. */
function formatted(doc) {
  const biome = path.join(root, 'node_modules/.bin/biome')
  return execFileSync(biome, ['format', '--stdin-file-path=docs/architecture.md'], {
    cwd: root,
    input: doc,
    encoding: 'utf8',
  })
}

const current = fs.readFileSync(docPath, 'utf8')
const next = formatted(render(current, generate()))
if (process.argv.includes('--check')) {
  if (next !== current) {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'architecture-doc-'))
    const fresh = path.join(tmp, 'architecture.md')
    fs.writeFileSync(fresh, next)
    try {
      execFileSync('git', ['diff', '--no-index', '--', docPath, fresh], { stdio: 'inherit' })
    } catch {
      // git diff exits 1 when the files differ, which is the case here.
    }
    fs.rmSync(tmp, { recursive: true, force: true })
    console.error('\ndocs/architecture.md is stale: run `npm run docs:architecture` and commit it.')
    process.exit(1)
  }
} else if (next !== current) {
  fs.writeFileSync(docPath, next)
  console.log('docs/architecture.md updated')
}
