// WebSocket round-trip latency, in its own process: one connection, sequential echoes of a small
// message. Argument: JSON { url, headers, origin, warmup, messages }. Prints one JSON line (ms).
import WebSocket from 'ws'

const options = JSON.parse(process.argv[2])
const ws = new WebSocket(options.url, {
  headers: options.headers ?? {},
  ...(options.origin ? { origin: options.origin } : {}),
})
// Messages are queued from the start: the server's greeting may arrive with the handshake.
const inbox = []
let waiting = null
ws.on('message', (data) => {
  if (waiting) {
    const resolve = waiting
    waiting = null
    resolve(data)
  } else inbox.push(data)
})
const next = () => (inbox.length > 0 ? Promise.resolve(inbox.shift()) : new Promise((r) => (waiting = r)))
await new Promise((resolve, reject) => {
  ws.once('open', resolve)
  ws.once('error', reject)
  ws.once('unexpected-response', (_req, res) => reject(new Error(`refused: ${res.statusCode}`)))
})
await next() // the echo server's greeting

const payload = 'x'.repeat(64)
const roundTrip = async () => {
  const start = process.hrtime.bigint()
  ws.send(payload)
  await next()
  return Number(process.hrtime.bigint() - start) / 1e6
}

for (let i = 0; i < options.warmup; i++) await roundTrip()
const samples = []
for (let i = 0; i < options.messages; i++) samples.push(await roundTrip())
ws.close()
samples.sort((a, b) => a - b)
const at = (q) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]
process.stdout.write(
  `${JSON.stringify({ p50: at(0.5), p99: at(0.99), mean: samples.reduce((a, b) => a + b, 0) / samples.length })}\n`,
)
