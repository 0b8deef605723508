/**
 * Load generator, run as its own process so it does not share an event loop with the server.
 * Input (argv[2]): JSON { url, connections, duration, token?, kind }. Output: one JSON line.
 */
import autocannon from 'autocannon'

interface Job {
  url: string
  connections: number
  duration: number
  token?: string
  kind: 'get' | 'create-delete'
}

const job = JSON.parse(process.argv[2] ?? '{}') as Job
const headers: Record<string, string> = job.token ? { authorization: `Bearer ${job.token}` } : {}

function options(): autocannon.Options {
  if (job.kind === 'get')
    return { url: job.url, connections: job.connections, duration: job.duration, headers }
  const base = new URL(job.url)
  let n = 0
  return {
    url: base.origin,
    connections: job.connections,
    duration: job.duration,
    requests: [
      {
        method: 'POST',
        path: '/api/pods',
        headers: { ...headers, 'content-type': 'application/json' },
        setupRequest: (req) => ({
          ...req,
          body: JSON.stringify({
            name: `bench-${process.pid}-${n++}`,
            dockerImage: 'busybox:latest',
            gpu: 'cpu',
            ports: [8080],
          }),
        }),
        onResponse: (status, body, context) => {
          if (status === 201) (context as { podId?: string }).podId = JSON.parse(body).data.podId
        },
      },
      {
        method: 'DELETE',
        headers,
        setupRequest: (req, context) => ({
          ...req,
          path: `/api/pods/${(context as { podId?: string }).podId}`,
        }),
      },
    ],
  }
}

const result = await autocannon(options())
process.stdout.write(
  `${JSON.stringify({
    requestsPerSecond: result.requests.average,
    p99: result.latency.p99,
    p50: result.latency.p50,
    non2xx: result.non2xx,
    errors: result.errors,
    total: result.requests.total,
  })}\n`,
)
