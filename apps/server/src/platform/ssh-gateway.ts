import { SshGateway } from '../ssh/gateway.js'
import { SshPodsRepository } from '../ssh/ssh-pods.repository.js'
import type { Platform } from './platform.js'

/** Starts the SSH gateway when NEUROPOD_SSH_PORT (or development's default) asks for one. */
export async function startSshGateway(platform: Platform): Promise<SshGateway | null> {
  const { config } = platform
  if (config.ssh.port === null) return null
  const log = platform.log.child({ component: 'ssh' })
  const gateway = new SshGateway({
    feature: platform.ssh,
    pods: new SshPodsRepository(platform.database.db),
    runtime: platform.runtime,
    shells: platform.shells,
    clock: platform.clock,
    log,
    connectTimeoutMs: config.proxy.connectTimeoutMs,
  })
  let port: number
  try {
    port = await gateway.listen(config.ssh.port, config.ssh.host)
  } catch (error) {
    if (config.ssh.required) throw error
    // Development's default port is taken (another server, a second `npm start`): run without SSH.
    log.warn(
      { err: error, port: config.ssh.port },
      'ssh gateway not started: set NEUROPOD_SSH_PORT to another port',
    )
    await gateway.close()
    return null
  }
  log.info({ port, hostKey: platform.ssh.hostKey().fingerprint }, 'ssh gateway listening')
  return gateway
}
