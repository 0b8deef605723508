/**
 * Pod URLs: `<slug>-<port>.<POD_DOMAIN>`, with the scheme and port of PUBLIC_URL. With the default
 * POD_DOMAIN=localhost that is http://<slug>-8888.localhost:3000, which browsers resolve to
 * loopback with no DNS set-up. `<slug>-<port>` is one DNS label, so one wildcard record and one
 * wildcard certificate cover every pod.
 */
export interface PodUrlSettings {
  publicUrl: string
  podDomain: string
}

export function podHost(slug: string, port: number, podDomain: string): string {
  return `${slug}-${port}.${podDomain}`
}

const bases = new Map<string, { protocol: string; port: string }>()

export function podUrl(slug: string, port: number, settings: PodUrlSettings): string {
  let base = bases.get(settings.publicUrl)
  if (!base) {
    const url = new URL(settings.publicUrl)
    base = { protocol: url.protocol, port: url.port ? `:${url.port}` : '' }
    bases.set(settings.publicUrl, base)
  }
  return `${base.protocol}//${podHost(slug, port, settings.podDomain)}${base.port}/`
}

/** Parses a Host header into (slug, port) when it names a pod, else null. */
export function parsePodHost(
  host: string | undefined,
  podDomain: string,
): { slug: string; port: number } | null {
  if (!host) return null
  const name = host.toLowerCase().replace(/:\d+$/, '')
  const suffix = `.${podDomain}`
  if (!name.endsWith(suffix)) return null
  const label = name.slice(0, -suffix.length)
  const m = /^([a-z][a-z0-9]{9})-(\d{1,5})$/.exec(label)
  if (!m) return null
  const port = Number(m[2])
  return port >= 1 && port <= 65535 ? { slug: m[1]!, port } : null
}
