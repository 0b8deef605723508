/**
 * The landing page's terminal: a command the CLI really has and the URL a pod really gets on this
 * instance (`<slug>-<port>.` in front of the host the visitor is on, with its scheme and port —
 * what the default POD_DOMAIN gives).
 */
export function deployExample(origin: string, gpuId: string | undefined) {
  const url = new URL(origin)
  url.hostname = `k3x9q2m7aa-8888.${url.hostname}`
  url.pathname = '/'
  const gpu = gpuId ? ` --gpu ${gpuId}` : ''
  return {
    command: `$ npx neuropod pods create --name demo --template "Jupyter Lab"${gpu} --wait`,
    url: `→ ${url.toString()}`,
  }
}
