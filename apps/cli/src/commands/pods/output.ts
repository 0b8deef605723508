import type { Connections, Pod } from '@neuropod/contracts'
import { duration, table } from '../../format.js'

export function podTable(list: Pod[]): string {
  return table(
    ['ID', 'NAME', 'STATUS', 'GPU', 'IMAGE', 'UPTIME', '€/H', 'OWNER'],
    list.map((p) => [
      p.podId,
      p.podName,
      p.statusReason && p.status !== 'running' ? `${p.status} (${p.statusReason})` : p.status,
      p.gpu === 'cpu' ? 'cpu' : `${p.gpuCount}×${p.gpu}`,
      p.dockerImage,
      duration(p.stats.uptime),
      p.costPerHour.toFixed(2),
      p.userEmail,
    ]),
  )
}

/** One line per service: port, name, readiness, access (or tcp) and its address. */
export function serviceLines(c: Pick<Connections, 'httpServices' | 'tcpServices'>): string {
  const lines = c.httpServices.map(
    (s) =>
      `${String(s.port).padEnd(6)} ${s.serviceName.padEnd(24)} ${s.status.padEnd(8)} ${s.access.padEnd(8)} ${s.url}`,
  )
  for (const s of c.tcpServices)
    lines.push(
      `${String(s.port).padEnd(6)} ${s.serviceName.padEnd(24)} ${s.status.padEnd(8)} tcp      ${s.url || '(no address yet)'}`,
    )
  return lines.join('\n')
}
