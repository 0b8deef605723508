// One load run, in its own process (never the process of the server under test): autocannon with
// a warm-up, then the measured run. Argument: JSON { url, headers, connections, duration, warmup }.
// Prints one JSON line with throughput and latency.
import autocannon from 'autocannon'

const options = JSON.parse(process.argv[2])
const run = (duration) =>
  autocannon({
    url: options.url,
    headers: options.headers ?? {},
    connections: options.connections,
    duration,
    pipelining: 1,
  })

if (options.warmup > 0) await run(options.warmup)
const result = await run(options.duration)
process.stdout.write(
  `${JSON.stringify({
    rps: result.requests.average,
    total: result.requests.total,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
  })}\n`,
)
