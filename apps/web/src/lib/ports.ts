/** Client-side mirror of the server's port rules, so a chip is refused before the form is sent. */
export const JUPYTER_PORT = 8888
const ALLOWED_PRIVILEGED = new Set([22, 80, 443])

export type PortProblem = 'notNumber' | 'range' | 'privileged' | 'duplicate'

export function checkPort(
  raw: string,
  taken: readonly number[],
): { port: number } | { problem: PortProblem } {
  const text = raw.trim()
  if (!/^\d{1,5}$/.test(text)) return { problem: 'notNumber' }
  const port = Number(text)
  if (port < 1 || port > 65535) return { problem: 'range' }
  if (port < 1024 && !ALLOWED_PRIVILEGED.has(port)) return { problem: 'privileged' }
  if (taken.includes(port)) return { problem: 'duplicate' }
  return { port }
}
