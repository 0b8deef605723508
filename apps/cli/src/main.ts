/**
 * `neuropod` — the command-line client. Every command maps to one or two API calls; `--json`
 * prints machine-readable output (JSON lines for log streams) for scripts and agents.
 */
import { parseArgs } from 'node:util'
import type {
  ApiKey,
  BillingSummary,
  ClientToServerEvents,
  Connections,
  GpuInfo,
  LogLine,
  Pod,
  PodEvent,
  ServerToClientEvents,
  Template,
  User,
} from '@neuropod/contracts'
import { io, type Socket } from 'socket.io-client'
import { ApiClient, ApiError } from './client.js'
import { loadCliConfig, saveCliConfig } from './config-store.js'
import { duration, euros, table } from './format.js'

type Out = (text: string) => void

export interface CliContext {
  env: NodeJS.ProcessEnv
  out: Out
  err: Out
}

class UsageError extends Error {}

const HELP = `Usage: neuropod <command> [options]

  login --url <url> (--email <e> --password <p> | --api-key <key>)   sign in and remember the credential
  logout | whoami
  pods [list] [--all]                 your pods (admins: --all for every pod)
  pods create --name <n> (--template <name|id> | --image <ref>) --gpu <type|cpu>
              [--gpu-count n] [--disk GB] [--volume GB] [--port p]... [--tcp p]... [--env K=V]...
              [--jupyter] [--cmd <command>] [--wait]
  pods get|urls|events <id>
  pods start|stop|delete <id> [--wait]
  pods logs <id> [--tail n] [--follow]
  templates | gpus | balance
  keys [list] | keys create <name> | keys revoke <id>

Options: --json for machine-readable output. Environment: NEUROPOD_URL, NEUROPOD_TOKEN.`

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const [command, ...rest] = argv
  try {
    switch (command) {
      case undefined:
      case 'help':
      case '--help':
        ctx.out(HELP)
        return 0
      case 'login':
        return await login(rest, ctx)
      case 'logout':
        return await logout(ctx)
      case 'whoami':
        return await whoami(rest, ctx)
      case 'pods':
        return await pods(rest, ctx)
      case 'templates':
        return await templates(rest, ctx)
      case 'gpus':
        return await gpus(rest, ctx)
      case 'balance':
        return await balance(rest, ctx)
      case 'keys':
        return await keys(rest, ctx)
      default:
        throw new UsageError(`Unknown command "${command}"`)
    }
  } catch (error) {
    if (error instanceof UsageError) {
      ctx.err(`${error.message}\n\n${HELP}`)
      return 2
    }
    if (error instanceof ApiError || error instanceof Error) {
      ctx.err(`Error: ${error.message}`)
      return 1
    }
    throw error
  }
}

function client(ctx: CliContext): ApiClient {
  const config = loadCliConfig(ctx.env)
  if (!config.token) throw new UsageError('Not signed in: run `neuropod login` or set NEUROPOD_TOKEN')
  return new ApiClient(config.url, config.token)
}

function parse<T extends Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>>(
  args: string[],
  options: T,
) {
  try {
    return parseArgs({
      args,
      options: { ...options, json: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    })
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error))
  }
}

async function login(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parse(args, {
    url: { type: 'string' },
    email: { type: 'string' },
    password: { type: 'string' },
    'api-key': { type: 'string' },
  })
  const url = (values.url ?? loadCliConfig(ctx.env).url).replace(/\/+$/, '')
  let token: string
  if (values['api-key']) token = values['api-key']
  else {
    const password = values.password ?? ctx.env.NEUROPOD_PASSWORD
    if (!values.email || !password)
      throw new UsageError('login needs --email and --password (or NEUROPOD_PASSWORD), or --api-key')
    token = (
      await new ApiClient(url, null).post<{ token: string }>('/api/auth/login', {
        email: values.email,
        password,
      })
    ).token
  }
  const me = (await new ApiClient(url, token).get<{ data: User }>('/api/auth/me')).data
  const file = saveCliConfig({ url, token }, ctx.env)
  ctx.out(`Signed in to ${url} as ${me.email} (${me.role}). Credential saved in ${file}.`)
  return 0
}

async function logout(ctx: CliContext): Promise<number> {
  const config = loadCliConfig(ctx.env)
  if (config.token?.startsWith('nps_'))
    await new ApiClient(config.url, config.token).post('/api/auth/logout').catch(() => {})
  saveCliConfig({ url: config.url, token: null }, ctx.env)
  ctx.out('Signed out.')
  return 0
}

async function whoami(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parse(args, {})
  const me = (await client(ctx).get<{ data: User }>('/api/auth/me')).data
  if (values.json) ctx.out(JSON.stringify(me))
  else ctx.out(`${me.name} <${me.email}> ${me.role}, balance ${euros(me.balance)}`)
  return 0
}

function podRows(list: Pod[]) {
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

async function pods(args: string[], ctx: CliContext): Promise<number> {
  const [sub = 'list', ...rest] = args
  const api = client(ctx)
  switch (sub) {
    case 'list': {
      const { values } = parse(rest, { all: { type: 'boolean' } })
      const list = values.all
        ? (await api.get<{ data: Pod[] }>('/api/pods/admin?limit=200')).data
        : (await api.get<{ data: Pod[] }>('/api/pods')).data
      ctx.out(values.json ? JSON.stringify(list) : list.length ? podRows(list) : 'No pods.')
      return 0
    }
    case 'create':
      return createPod(api, rest, ctx)
    case 'get': {
      const { values, positionals } = parse(rest, {})
      const pod = (await api.get<{ data: Pod }>(`/api/pods/${need(positionals[0], 'pod id')}`)).data
      ctx.out(values.json ? JSON.stringify(pod) : `${podRows([pod])}\n\n${urls(pod)}`)
      return 0
    }
    case 'urls': {
      const { values, positionals } = parse(rest, {})
      const c = (
        await api.get<{ data: Connections }>(`/api/pods/${need(positionals[0], 'pod id')}/connections`)
      ).data
      ctx.out(values.json ? JSON.stringify(c) : urls(c))
      return 0
    }
    case 'events': {
      const { values, positionals } = parse(rest, {})
      const events = (
        await api.get<{ data: PodEvent[] }>(`/api/pods/${need(positionals[0], 'pod id')}/events`)
      ).data
      ctx.out(
        values.json
          ? events.map((e) => JSON.stringify(e)).join('\n')
          : table(
              ['TIME', 'TYPE', 'REASON', 'MESSAGE'],
              events.map((e) => [e.at, e.type, e.reason, e.message]),
            ),
      )
      return 0
    }
    case 'start':
    case 'stop':
    case 'delete': {
      const { values, positionals } = parse(rest, { wait: { type: 'boolean' } })
      const id = need(positionals[0], 'pod id')
      if (sub === 'delete') await api.delete(`/api/pods/${id}`)
      else await api.post(`/api/pods/${id}/${sub}`)
      const target = sub === 'start' ? 'running' : sub === 'stop' ? 'stopped' : 'gone'
      if (values.wait) await waitFor(api, id, target, ctx)
      ctx.out(`${id}: ${sub} requested${values.wait ? `, now ${target}` : ''}`)
      return 0
    }
    case 'logs':
      return logs(api, rest, ctx)
    default:
      throw new UsageError(`Unknown pods command "${sub}"`)
  }
}

function need(value: string | undefined, what: string): string {
  if (!value) throw new UsageError(`Missing ${what}`)
  return value
}

function urls(c: Pick<Connections, 'httpServices' | 'tcpServices'>): string {
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

async function createPod(api: ApiClient, args: string[], ctx: CliContext): Promise<number> {
  const { values } = parse(args, {
    name: { type: 'string' },
    template: { type: 'string' },
    image: { type: 'string' },
    gpu: { type: 'string' },
    'gpu-count': { type: 'string' },
    disk: { type: 'string' },
    volume: { type: 'string' },
    port: { type: 'string', multiple: true },
    tcp: { type: 'string', multiple: true },
    env: { type: 'string', multiple: true },
    jupyter: { type: 'boolean' },
    cmd: { type: 'string' },
    'assign-to': { type: 'string' },
    wait: { type: 'boolean' },
  })
  if (!values.name || !values.gpu || (!values.template && !values.image))
    throw new UsageError('pods create needs --name, --gpu and --template or --image')
  const body: Record<string, unknown> = { name: values.name, gpu: values.gpu }
  if (values.template) {
    const all = await api.get<Template[]>('/api/templates')
    const t = all.find(
      (x) => x.id === values.template || x.name.toLowerCase() === values.template!.toLowerCase(),
    )
    if (!t) throw new UsageError(`No template "${values.template}" (see \`neuropod templates\`)`)
    Object.assign(body, { deploymentType: 'template', template: t.id })
  } else Object.assign(body, { deploymentType: 'docker', dockerImage: values.image })
  const int = (v: string | undefined, flag: string) => {
    if (v === undefined) return undefined
    if (!/^\d+$/.test(v)) throw new UsageError(`${flag} must be a whole number`)
    return Number(v)
  }
  const set = (key: string, value: unknown) => {
    if (value !== undefined) body[key] = value
  }
  set('gpuCount', int(values['gpu-count'], '--gpu-count'))
  set('containerDiskSize', int(values.disk, '--disk'))
  set('volumeDiskSize', int(values.volume, '--volume'))
  if (values.port) body.ports = values.port.map((p) => int(p, '--port'))
  if (values.tcp) body.tcpPorts = values.tcp.map((p) => int(p, '--tcp'))
  if (values.env) {
    body.env = Object.fromEntries(
      values.env.map((kv) => {
        const i = kv.indexOf('=')
        if (i < 1) throw new UsageError(`--env expects KEY=VALUE, got "${kv}"`)
        return [kv.slice(0, i), kv.slice(i + 1)]
      }),
    )
  }
  set('enableJupyter', values.jupyter)
  set('startCommand', values.cmd)
  set('assignToUser', values['assign-to'])
  const created = (await api.post<{ data: { podId: string; pod: Pod } }>('/api/pods', body)).data
  if (values.wait) await waitFor(api, created.podId, 'running', ctx)
  const pod = values.wait ? (await api.get<{ data: Pod }>(`/api/pods/${created.podId}`)).data : created.pod
  ctx.out(
    values.json
      ? JSON.stringify(pod)
      : `Created ${pod.podId} (${pod.status}), ${euros(pod.costPerHour)}/h\n${urls(pod)}`,
  )
  return 0
}

/** Follows the pod's status over the socket (no polling) until it reaches `target` or fails. */
async function waitFor(
  api: ApiClient,
  podId: string,
  target: 'running' | 'stopped' | 'gone',
  ctx: CliContext,
): Promise<void> {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(api.baseUrl, {
    auth: { token: api.token },
    transports: ['websocket'],
  })
  try {
    await new Promise<void>((resolve, reject) => {
      const check = (pod: Pod | null) => {
        if (target === 'gone' && pod === null) resolve()
        else if (pod && pod.status === target) resolve()
        else if (pod && pod.status === 'error' && target === 'running')
          reject(new Error(`Pod failed: ${pod.statusReason ?? 'unknown reason'}`))
      }
      socket.on('connect_error', (e) => reject(new Error(`Realtime connection failed: ${e.message}`)))
      socket.on('podUpdate', (e) => e.podId === podId && check(e.pod))
      socket.on('podDeleted', (e) => e.podId === podId && check(null))
      const printed = new Set<number>()
      const show = (event: PodEvent) => {
        if (printed.has(event.id)) return
        printed.add(event.id)
        ctx.err(`  ${event.reason}: ${event.message}`)
      }
      socket.on('podEvent', (e) => e.podId === podId && show(e.event))
      socket.on('connect', () => {
        socket.emit('subscribe', { podId })
        // Events from before the connection, then live ones.
        api
          .get<{ data: PodEvent[] }>(`/api/pods/${podId}/events`)
          .then((r) => r.data.forEach(show))
          .catch(() => {})
        // The state may already be reached: check once after subscribing.
        api
          .get<{ data: Pod }>(`/api/pods/${podId}`)
          .then((r) => check(r.data))
          .catch((error: unknown) => {
            if (error instanceof ApiError && error.status === 404) check(null)
            else reject(error)
          })
      })
    })
  } finally {
    socket.disconnect()
  }
}

async function logs(api: ApiClient, args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(args, {
    tail: { type: 'string' },
    follow: { type: 'boolean', short: 'f' },
  })
  const podId = need(positionals[0], 'pod id')
  const tail = values.tail ? Number(values.tail) : 200
  const print = (lines: LogLine[]) => {
    for (const l of lines)
      ctx.out(
        values.json
          ? JSON.stringify(l)
          : `${l.timestamp ?? ''} ${l.stream === 'stderr' ? '!' : ' '} ${l.message}`,
      )
  }
  if (!values.follow) {
    const result = (
      await api.get<{ data: { lines: LogLine[]; available: boolean; reason: string | null } }>(
        `/api/pods/${podId}/logs?tail=${tail}`,
      )
    ).data
    if (!result.available) ctx.err(result.reason ?? 'No logs available')
    print(result.lines)
    return 0
  }
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(api.baseUrl, {
    auth: { token: api.token },
    transports: ['websocket'],
  })
  return new Promise<number>((resolve) => {
    const stop = (code: number) => {
      socket.disconnect()
      resolve(code)
    }
    process.once('SIGINT', () => stop(0))
    socket.on('connect', () => socket.emit('requestLogs', { podId, tail, follow: true }))
    socket.on('podLogs', (e) => {
      if (e.podId !== podId) return
      print(e.logs)
      if (!e.follow) {
        if (!e.available) ctx.err(e.reason ?? 'The log stream ended')
        stop(0)
      }
    })
    socket.on('error', (e) => {
      ctx.err(`Error: ${e.message}`)
      stop(1)
    })
    socket.on('connect_error', (e) => {
      ctx.err(`Error: ${e.message}`)
      stop(1)
    })
  })
}

async function templates(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parse(args, {})
  const list = await client(ctx).get<Template[]>('/api/templates')
  ctx.out(
    values.json
      ? JSON.stringify(list)
      : table(
          ['NAME', 'IMAGE', 'HTTP PORTS', 'DISK', 'VOLUME'],
          list.map((t) => [
            t.name,
            t.dockerImage,
            t.httpPorts.map((p) => p.port).join(','),
            `${t.containerDiskSize} GB`,
            `${t.volumeDiskSize} GB ${t.volumePath}`,
          ]),
        ),
  )
  return 0
}

async function gpus(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parse(args, {})
  const list = (await client(ctx).get<{ data: GpuInfo[] }>('/api/pricing/gpus')).data
  ctx.out(
    values.json
      ? JSON.stringify(list)
      : table(
          ['ID', 'NAME', '€/H', 'AVAILABLE', 'FREE', 'MEMORY'],
          list.map((g) => [
            g.id,
            g.name,
            g.price.toFixed(2),
            g.available ? 'yes' : 'no',
            g.stock ? `${g.stock.free}/${g.stock.total}` : '-',
            g.specs.memory,
          ]),
        ),
  )
  return 0
}

async function balance(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parse(args, {})
  const s = (await client(ctx).get<{ data: BillingSummary }>('/api/billing/summary')).data
  ctx.out(
    values.json
      ? JSON.stringify(s)
      : `Balance ${euros(s.balance)}; burning ${euros(s.burnRatePerHour)}/h with ${s.runningPods} running pod(s)${s.hoursLeft !== null ? `; covers ${s.hoursLeft.toFixed(1)} h` : ''}`,
  )
  return 0
}

async function keys(args: string[], ctx: CliContext): Promise<number> {
  const [sub = 'list', ...rest] = args
  const api = client(ctx)
  const { values, positionals } = parse(rest, {})
  if (sub === 'list') {
    const list = (await api.get<{ data: ApiKey[] }>('/api/auth/api-keys')).data
    ctx.out(
      values.json
        ? JSON.stringify(list)
        : table(
            ['ID', 'NAME', 'PREFIX', 'CREATED', 'LAST USED'],
            list.map((k) => [k.id, k.name, k.prefix, k.createdAt, k.lastUsedAt]),
          ),
    )
  } else if (sub === 'create') {
    const key = (
      await api.post<{ data: ApiKey & { key: string } }>('/api/auth/api-keys', {
        name: need(positionals[0], 'key name'),
      })
    ).data
    ctx.out(values.json ? JSON.stringify(key) : `${key.key}\n(shown once: store it now)`)
  } else if (sub === 'revoke') {
    await api.delete(`/api/auth/api-keys/${need(positionals[0], 'key id')}`)
    ctx.out('Revoked.')
  } else throw new UsageError(`Unknown keys command "${sub}"`)
  return 0
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  run(process.argv.slice(2), {
    env: process.env,
    out: (t) => console.log(t),
    err: (t) => console.error(t),
  }).then((code) => {
    process.exitCode = code
  })
}
