import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import type { TestProject } from 'vitest/node'
import { openPglite, openPostgres } from '../src/db/database.js'
import { migrateToLatest } from '../src/db/migrate.js'
import { formatFindings, readRecords, undocumentedStatuses } from './observed-statuses.js'

/**
 * One migrated database per test run, copied for each test file: a PGlite data-directory dump
 * (initdb takes seconds; loading a dump about one), or with NEUROPOD_TEST_DATABASE_URL a PostgreSQL
 * template database that each file clones with CREATE DATABASE … TEMPLATE.
 *
 * And a directory where test/status-recorder.ts writes the response statuses each test file saw;
 * at the end of the run every one must be documented in docs/api/openapi.json, else the run fails.
 */
export default async function setup(project: TestProject) {
  const recordDir = fs.mkdtempSync(path.join(os.tmpdir(), 'neuropod-statuses-'))
  project.provide('statusRecordDir', recordDir)
  const teardownDatabase = await setupDatabase(project)
  return async () => {
    try {
      checkObservedStatuses(recordDir)
    } finally {
      fs.rmSync(recordDir, { recursive: true, force: true })
      await teardownDatabase()
    }
  }
}

function checkObservedStatuses(recordDir: string): void {
  const records = readRecords(recordDir)
  const spec = JSON.parse(
    fs.readFileSync(path.resolve(import.meta.dirname, '../../../docs/api/openapi.json'), 'utf8'),
  )
  const findings = undocumentedStatuses(spec, records)
  const checked = records.reduce((n, r) => n + r.statuses.length, 0)
  if (findings.length === 0) {
    if (checked)
      console.log(`\n  Response statuses: ${checked} (operation, status) pairs observed, all documented`)
    return
  }
  // A teardown error is only logged by vitest; the exit code makes the run fail.
  console.error(`\n${formatFindings(findings)}\n`)
  process.exitCode = 1
}

async function setupDatabase(project: TestProject): Promise<() => Promise<void>> {
  const url = process.env.NEUROPOD_TEST_DATABASE_URL
  if (url) {
    const templateName = `np_tpl_${process.pid}_${Date.now().toString(36)}`
    const admin = new pg.Client({ connectionString: url })
    await admin.connect()
    await admin.query(`create database ${templateName}`)
    const target = new URL(url)
    target.pathname = `/${templateName}`
    const handle = openPostgres(target.toString(), 2)
    await migrateToLatest(handle.db)
    await handle.close()
    project.provide('pgTemplate', { url, templateName })
    return async () => {
      // Stray connections (a crashed test) must not keep the template alive.
      await admin.query(
        `select pg_terminate_backend(pid) from pg_stat_activity where datname like $1 and pid <> pg_backend_pid()`,
        [`np_%_${process.pid}_%`],
      )
      const dbs = await admin.query<{ datname: string }>(
        `select datname from pg_database where datname like $1`,
        [`np_%${process.pid}%`],
      )
      for (const { datname } of dbs.rows)
        await admin.query(`drop database if exists ${datname}`).catch(() => {})
      await admin.end()
    }
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'neuropod-test-'))
  const handle = await openPglite({})
  await migrateToLatest(handle.db)
  const dumpFile = path.join(dir, 'template.tar')
  const blob = await handle.dumpDataDir!()
  fs.writeFileSync(dumpFile, Buffer.from(await blob.arrayBuffer()))
  await handle.close()
  project.provide('pgliteTemplate', dumpFile)
  return async () => fs.rmSync(dir, { recursive: true, force: true })
}
