import { spawn } from 'node:child_process'
import type { Connections, OpenLink } from '@neuropod/contracts'
import { apiPath } from '../../api-path.js'
import { need, parseOptions, UsageError, wholeNumber } from '../../args.js'
import type { ApiClient } from '../../client.js'
import { type CliContext, print } from '../../context.js'

/**
 * `pods open <id> [port] [--path /lab] [--browser]`: a one-time link that signs a browser into the
 * pod URL with this CLI's credential (the browser has no platform session of its own). Printed;
 * `--browser` also hands it to the system's opener. Without a port: the Jupyter port, else the first.
 */
export async function openPod(api: ApiClient, args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseOptions(args, {
    path: { type: 'string' },
    browser: { type: 'boolean' },
  })
  const id = need(positionals[0], 'pod id')
  const port = positionals[1] ? wholeNumber(positionals[1], 'port') : await defaultPort(api, id)
  const link = (
    await api.post<{ data: OpenLink }>(apiPath`/api/pods/${id}/ports/${String(port)}/open-link`, {
      path: values.path ?? '/',
    })
  ).data
  print(ctx, values.json, link, () => `${link.url}\n(works once, until ${link.expiresAt})`)
  if (values.browser) openInBrowser(link.url)
  return 0
}

async function defaultPort(api: ApiClient, id: string): Promise<number> {
  const { httpServices } = (await api.get<{ data: Connections }>(apiPath`/api/pods/${id}/connections`)).data
  const service = httpServices.find((s) => s.jupyter) ?? httpServices[0]
  if (!service) throw new UsageError(`Pod ${id} has no HTTP port`)
  return service.port
}

function openInBrowser(url: string): void {
  const [command, ...args] =
    process.platform === 'darwin'
      ? ['open', url]
      : process.platform === 'win32'
        ? ['cmd', '/c', 'start', '""', url]
        : ['xdg-open', url]
  // Detached and ignored: the link is printed anyway, should no opener exist.
  const child = spawn(command!, args, { detached: true, stdio: 'ignore' })
  child.on('error', () => {})
  child.unref()
}
