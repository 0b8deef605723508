import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify from 'fastify'
import { buildApp, fastifyOptions } from '../app.js'
import type { Config } from '../config.js'
import type { App } from '../http/route-context.js'
import { listenPodOnly, type PodOnlyServer } from '../proxy/proxy-server.js'
import { Housekeeping } from './housekeeping.js'
import { createDispatcher, type Dispatcher } from './http-server.js'
import { createPlatform, type Platform, type PlatformOverrides } from './platform.js'
import { startSshGateway } from './ssh-gateway.js'

export interface RunningServer {
  platform: Platform
  app: App
  dispatcher: Dispatcher
  /** Base URL the server listens on, e.g. http://127.0.0.1:3000 */
  url: string
  /** Base URL of the pod-only listener (NEUROPOD_PROXY_PORT), or null */
  proxyUrl: string | null
  close(): Promise<void>
}

/**
 * Builds and starts the whole platform: HTTP API, realtime, reconciler and meter (when leader).
 * `main.ts` and the tests both come through here, so they run the same code.
 */
export async function startServer(
  config: Config,
  overrides: PlatformOverrides = {},
  listen = true,
): Promise<RunningServer> {
  const dispatcher = createDispatcher(config.podDomain)
  const app = Fastify({
    ...fastifyOptions(config.logLevel, overrides.logDestination),
    serverFactory: dispatcher.serverFactory,
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App
  const platform = await createPlatform(config, app.log, overrides)
  const { realtime, proxy } = await buildApp(platform, app, dispatcher)
  await app.ready()

  const housekeeping = new Housekeeping(platform.database.db, platform.clock, platform.log)
  await platform.runtime.start(platform.reconciler)
  await platform.shells.startHeartbeat()
  await platform.leader.start((leading) => {
    if (leading) {
      platform.log.info({ replicaId: platform.replicaId }, 'this replica leads: reconciler and meter running')
      void platform.reconciler
        .activate()
        .catch((error) => platform.log.error({ err: error }, 'reconciler activation failed'))
      platform.meter.start(config.meter.intervalSeconds)
      platform.sampler.start()
      platform.idleEvaluator.start(config.idle.intervalSeconds)
      housekeeping.start()
    } else {
      platform.meter.stop()
      platform.sampler.stop()
      platform.idleEvaluator.stop()
      housekeeping.stop()
      void platform.reconciler.deactivate()
    }
  })

  let url = ''
  if (listen) {
    const address = await app.listen({ port: config.port, host: config.host })
    url = address.replace('[::]', '127.0.0.1').replace('0.0.0.0', '127.0.0.1')
  }
  let podOnly: PodOnlyServer | null = null
  if (listen && config.proxy.port !== null)
    podOnly = await listenPodOnly(proxy, dispatcher.isPodHost, {
      port: config.proxy.port,
      host: config.proxy.host,
    })

  const sshGateway = listen ? await startSshGateway(platform) : null

  let closing: Promise<void> | null = null
  const close = () => {
    closing ??= (async () => {
      platform.meter.stop()
      platform.sampler.stop()
      platform.idleEvaluator.stop()
      housekeeping.stop()
      await platform.leader.close()
      await platform.reconciler.deactivate()
      await platform.meter.drain()
      await platform.sampler.drain()
      await platform.idleEvaluator.drain()
      // Pod WebSockets and streams would otherwise keep the HTTP server from closing.
      await proxy.shutdown()
      await sshGateway?.close()
      await platform.shells.close()
      await podOnly?.close()
      await realtime.close()
      await app.close()
      await proxy.close()
      await platform.runtime.close()
      await platform.bus.close()
      await platform.database.close()
    })()
    return closing
  }
  return { platform, app, dispatcher, url, proxyUrl: podOnly?.url ?? null, close }
}
