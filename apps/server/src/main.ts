import { ConfigError, loadConfig } from './config.js'
import { startServer } from './platform/server.js'

/** `npm start`: the whole platform on embedded defaults (PGlite under ./data, port 3000). */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>
  try {
    config = loadConfig(process.env)
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`NeuroPod cannot start.\n${error.message}\nSee docs/configuration.md.`)
      process.exit(1)
    }
    throw error
  }

  const server = await startServer(config)
  const { platform } = server
  const lines = [
    '',
    `  NeuroPod is running at ${config.publicUrl}`,
    `  API reference:        ${config.publicUrl}/api/docs`,
    `  Database:             ${platform.database.kind === 'pglite' ? `embedded PostgreSQL (PGlite) in ${config.dataDir}` : 'PostgreSQL'}`,
    `  Pod runtime:          ${platform.runtime.kind}${platform.runtime.simulated ? ' (SIMULATION: no containers run; set NEUROPOD_RUNTIME=docker or kubernetes)' : ''}`,
    `  Pod URLs:             http://<pod>-<port>.${config.podDomain}${new URL(config.publicUrl).port ? `:${new URL(config.publicUrl).port}` : ''}/`,
    '',
    `  Admin login:          ${platform.bootstrap.adminEmail}`,
    platform.bootstrap.generatedPassword
      ? `  Admin password:       ${platform.bootstrap.generatedPassword}   (generated now and shown only once: write it down)`
      : `  Admin password:       ${config.auth.adminPassword ? 'from NEUROPOD_ADMIN_PASSWORD' : 'set at first start (set NEUROPOD_ADMIN_PASSWORD and restart to reset it)'}`,
    '',
  ]
  console.log(lines.join('\n'))

  let stopping = false
  const shutdown = (signal: string) => {
    if (stopping) return
    stopping = true
    platform.log.info(
      { signal },
      'shutting down: finishing requests, closing sockets, stopping the reconciler',
    )
    const force = setTimeout(() => {
      platform.log.error({}, 'shutdown took longer than 15 s; exiting')
      process.exit(1)
    }, 15_000)
    force.unref()
    server.close().then(
      () => process.exit(0),
      (error) => {
        platform.log.error({ err: error }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', () => shutdown('SIGINT'))
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  // An unexpected rejection is logged, exiting would cut off every user's requests, sockets and terminals.
  process.on('unhandledRejection', (reason) =>
    platform.log.error({ err: reason }, 'unhandled promise rejection'),
  )
}

main().catch((error) => {
  console.error('NeuroPod failed to start:', error)
  process.exit(1)
})
