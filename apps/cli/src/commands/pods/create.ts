import type { Pod, Template } from '@neuropod/contracts'
import { apiPath } from '../../api-path.js'
import { keyValues, parseOptions, UsageError, wholeNumber } from '../../args.js'
import type { ApiClient } from '../../client.js'
import { type CliContext, print } from '../../context.js'
import { euros } from '../../format.js'
import { serviceLines } from './output.js'
import { waitFor } from './wait.js'

/** Builds the create request from flags; the server checks it against the catalog. */
export async function createPod(api: ApiClient, args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseOptions(args, {
    name: { type: 'string' },
    template: { type: 'string' },
    image: { type: 'string' },
    gpu: { type: 'string' },
    'gpu-count': { type: 'string' },
    disk: { type: 'string' },
    volume: { type: 'string' },
    'volume-id': { type: 'string' },
    mount: { type: 'string' },
    port: { type: 'string', multiple: true },
    tcp: { type: 'string', multiple: true },
    env: { type: 'string', multiple: true },
    jupyter: { type: 'boolean' },
    cmd: { type: 'string' },
    'assign-to': { type: 'string' },
    'idle-timeout': { type: 'string' },
    'max-runtime': { type: 'string' },
    'stop-at': { type: 'string' },
    wait: { type: 'boolean' },
  })
  if (!values.name || !values.gpu || (!values.template && !values.image))
    throw new UsageError('pods create needs --name, --gpu and --template or --image')
  const body: Record<string, unknown> = { name: values.name, gpu: values.gpu }
  if (values.template) {
    const wanted = values.template
    const all = await api.get<Template[]>('/api/templates')
    const t = all.find((x) => x.id === wanted || x.name.toLowerCase() === wanted.toLowerCase())
    if (!t) throw new UsageError(`No template "${wanted}" (see \`neuropod templates\`)`)
    Object.assign(body, { deploymentType: 'template', template: t.id })
  } else Object.assign(body, { deploymentType: 'docker', dockerImage: values.image })
  const set = (key: string, value: unknown) => {
    if (value !== undefined) body[key] = value
  }
  const number = (value: string | undefined, flag: string) =>
    value === undefined ? undefined : wholeNumber(value, flag)
  set('gpuCount', number(values['gpu-count'], '--gpu-count'))
  set('containerDiskSize', number(values.disk, '--disk'))
  set('volumeDiskSize', number(values.volume, '--volume'))
  set('volumeId', values['volume-id'])
  set('mountPath', values.mount)
  const ports = (list: string[] | undefined, flag: string) => list?.map((p) => wholeNumber(p, flag))
  set('ports', ports(values.port, '--port'))
  set('tcpPorts', ports(values.tcp, '--tcp'))
  set('env', values.env && keyValues(values.env, '--env'))
  set('enableJupyter', values.jupyter)
  set('startCommand', values.cmd)
  set('assignToUser', values['assign-to'])
  const idle = values['idle-timeout']
  set('idleTimeoutMinutes', idle === 'never' ? null : number(idle, '--idle-timeout'))
  set('maxRuntimeMinutes', number(values['max-runtime'], '--max-runtime'))
  set('stopAt', values['stop-at'])
  const created = (await api.post<{ data: { podId: string; pod: Pod } }>('/api/pods', body)).data
  // A new pod has no history: every event is this request's.
  if (values.wait) await waitFor(api, created.podId, 'running', ctx, 0)
  const pod = values.wait
    ? (await api.get<{ data: Pod }>(apiPath`/api/pods/${created.podId}`)).data
    : created.pod
  print(
    ctx,
    values.json,
    pod,
    () => `Created ${pod.podId} (${pod.status}), ${euros(pod.costPerHour)}/h\n${serviceLines(pod)}`,
  )
  return 0
}
