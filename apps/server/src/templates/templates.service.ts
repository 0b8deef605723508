import type { CreateTemplateBody, FieldError, Template, UpdateTemplateBody } from '@neuropod/contracts'
import { type Kysely, sql } from 'kysely'
import type { AuditLog } from '../audit/audit-log.js'
import type { Principal } from '../auth/principal.js'
import type { Database, TemplateRow } from '../db/schema.js'
import { AppError, badRequest, forbidden, notFound } from '../errors.js'
import type { Clock } from '../lib/clock.js'
import { newUuid } from '../lib/ids.js'
import type { PricingService } from '../pricing/pricing.service.js'
import { SEED_TEMPLATES } from './seed-templates.js'

export interface TemplatesDeps {
  db: Kysely<Database>
  clock: Clock
  pricing: PricingService
  audit: AuditLog
}

/** Template rules: container disk 5–max GB, volume 10–max GB, ≥1 HTTP port, no duplicate ports. */
const CONTAINER_DISK_MIN = 5
const VOLUME_DISK_MIN = 10
const ALLOWED_PRIVILEGED = new Set([22, 80, 443])
const SEEDED_MARKER = 'templates_seeded'

type TemplateRowWithCreator = TemplateRow & {
  creator_name: string | null
  creator_email: string | null
  pod_count: number
}

export class TemplatesService {
  constructor(private readonly deps: TemplatesDeps) {}

  private select() {
    return this.deps.db
      .selectFrom('templates')
      .leftJoin('users as creator', 'creator.id', 'templates.created_by')
      .selectAll('templates')
      .select(['creator.name as creator_name', 'creator.email as creator_email'])
      .select(
        sql<number>`(select count(*) from pods p where p.template_id = templates.id and p.deleted_at is null)::int`.as(
          'pod_count',
        ),
      )
  }

  async list(): Promise<Template[]> {
    const rows = await this.select().orderBy('templates.created_at', 'desc').orderBy('templates.id').execute()
    return rows.map(templateView)
  }

  async get(id: string): Promise<Template> {
    const row = await this.select().where('templates.id', '=', id).executeTakeFirst()
    if (!row) throw notFound('Template not found')
    return templateView(row)
  }

  async summary() {
    const [total, recent, byUser] = await Promise.all([
      this.deps.db
        .selectFrom('templates')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow(),
      this.select().orderBy('templates.created_at', 'desc').limit(5).execute(),
      this.deps.db
        .selectFrom('templates')
        .innerJoin('users', 'users.id', 'templates.created_by')
        .select([
          'users.id as userId',
          'users.name as userName',
          (eb) => eb.fn.countAll<number>().as('templateCount'),
        ])
        .groupBy(['users.id', 'users.name'])
        .orderBy('templateCount', 'desc')
        .execute(),
    ])
    return {
      total: total.n,
      recent: recent.map((r) => ({
        id: r.id,
        name: r.name,
        dockerImage: r.docker_image,
        createdAt: new Date(r.created_at).toISOString(),
        createdBy: r.creator_name ? { name: r.creator_name } : null,
      })),
      byUser,
    }
  }

  private async validate(input: {
    httpPorts: { port: number }[]
    tcpPorts: { port: number }[]
    containerDiskSize: number
    volumeDiskSize: number
    name: string
    startCommand?: string | null
  }): Promise<void> {
    const { settings } = await this.deps.pricing.get()
    const problems: FieldError[] = []
    if (!input.name.trim()) problems.push({ field: 'name', message: 'Name is required' })
    if (input.httpPorts.length === 0)
      problems.push({ field: 'httpPorts', message: 'At least one HTTP port is required' })
    const seen = new Set<number>()
    for (const [field, list] of [
      ['httpPorts', input.httpPorts],
      ['tcpPorts', input.tcpPorts],
    ] as const) {
      list.forEach((p, i) => {
        if (seen.has(p.port))
          problems.push({ field: `${field}.${i}.port`, message: `Port ${p.port} is listed twice` })
        seen.add(p.port)
        if (p.port < 1024 && !ALLOWED_PRIVILEGED.has(p.port)) {
          problems.push({
            field: `${field}.${i}.port`,
            message: `Port ${p.port} is privileged; only 22, 80 and 443 are allowed below 1024`,
          })
        }
      })
    }
    if (input.httpPorts.length + input.tcpPorts.length > settings.ports_max) {
      problems.push({ field: 'httpPorts', message: `At most ${settings.ports_max} ports (HTTP + TCP)` })
    }
    if (
      input.containerDiskSize < CONTAINER_DISK_MIN ||
      input.containerDiskSize > settings.container_disk_max
    ) {
      problems.push({
        field: 'containerDiskSize',
        message: `Container disk must be between ${CONTAINER_DISK_MIN} and ${settings.container_disk_max} GB`,
      })
    }
    if (input.volumeDiskSize < VOLUME_DISK_MIN || input.volumeDiskSize > settings.volume_disk_max) {
      problems.push({
        field: 'volumeDiskSize',
        message: `Volume disk must be between ${VOLUME_DISK_MIN} and ${settings.volume_disk_max} GB`,
      })
    }
    if (input.startCommand?.includes('\u0000'))
      problems.push({ field: 'startCommand', message: 'Must not contain NUL characters' })
    if (problems.length > 0) throw badRequest('Invalid template data', problems)
  }

  async create(principal: Principal, body: CreateTemplateBody): Promise<Template> {
    const values = {
      name: body.name.trim(),
      dockerImage: body.dockerImage.trim(),
      httpPorts: trimPorts(body.httpPorts),
      tcpPorts: trimPorts(body.tcpPorts ?? []),
      containerDiskSize: body.containerDiskSize ?? 10,
      volumeDiskSize: body.volumeDiskSize ?? 20,
      volumePath: body.volumePath ?? '/workspace',
      enableJupyter: body.enableJupyter ?? body.httpPorts.some((p) => p.port === 8888),
      env: body.env ?? {},
      startCommand: body.startCommand?.trim() ? body.startCommand : null,
      description: body.description ?? '',
      idleTimeoutMinutes: body.idleTimeoutMinutes ?? null,
    }
    await this.validate(values)
    const id = await this.insert(principal.userId, values)
    await this.deps.audit.record(principal.userId, 'CREATE_TEMPLATE', 'template', id, { name: values.name })
    return this.get(id)
  }

  private async insert(
    createdBy: string | null,
    v: Required<Omit<CreateTemplateBody, 'startCommand'>> & { startCommand: string | null },
  ): Promise<string> {
    const now = this.deps.clock.now()
    const id = newUuid()
    try {
      await this.deps.db
        .insertInto('templates')
        .values({
          id,
          name: v.name,
          docker_image: v.dockerImage,
          http_ports: JSON.stringify(v.httpPorts),
          tcp_ports: JSON.stringify(v.tcpPorts),
          container_disk_size: v.containerDiskSize,
          volume_disk_size: v.volumeDiskSize,
          volume_path: v.volumePath,
          enable_jupyter: v.enableJupyter,
          env: JSON.stringify(v.env),
          start_command: v.startCommand,
          description: v.description,
          idle_timeout_minutes: v.idleTimeoutMinutes,
          created_by: createdBy,
          created_at: now,
          updated_at: now,
        })
        .execute()
    } catch (error) {
      if ((error as { code?: string }).code === '23505')
        throw new AppError('CONFLICT', 409, 'A template with this name already exists')
      throw error
    }
    return id
  }

  private async editable(principal: Principal, id: string, verb: string): Promise<TemplateRow> {
    const row = await this.deps.db.selectFrom('templates').selectAll().where('id', '=', id).executeTakeFirst()
    if (!row) throw notFound('Template not found')
    if (principal.role !== 'admin' && row.created_by !== principal.userId)
      throw forbidden(`You may not ${verb} this template`)
    return row
  }

  async update(principal: Principal, id: string, body: UpdateTemplateBody): Promise<Template> {
    const row = await this.editable(principal, id, 'edit')
    const merged = {
      name: body.name?.trim() ?? row.name,
      dockerImage: body.dockerImage?.trim() ?? row.docker_image,
      httpPorts: body.httpPorts ? trimPorts(body.httpPorts) : row.http_ports,
      tcpPorts: body.tcpPorts ? trimPorts(body.tcpPorts) : row.tcp_ports,
      containerDiskSize: body.containerDiskSize ?? row.container_disk_size,
      volumeDiskSize: body.volumeDiskSize ?? row.volume_disk_size,
      volumePath: body.volumePath ?? row.volume_path,
      enableJupyter: body.enableJupyter ?? row.enable_jupyter,
      env: body.env ?? row.env,
      startCommand:
        body.startCommand !== undefined
          ? body.startCommand?.trim()
            ? body.startCommand
            : null
          : row.start_command,
      description: body.description ?? row.description,
      idleTimeoutMinutes:
        body.idleTimeoutMinutes !== undefined ? body.idleTimeoutMinutes : row.idle_timeout_minutes,
    }
    await this.validate(merged)
    try {
      await this.deps.db
        .updateTable('templates')
        .set({
          name: merged.name,
          docker_image: merged.dockerImage,
          http_ports: JSON.stringify(merged.httpPorts),
          tcp_ports: JSON.stringify(merged.tcpPorts),
          container_disk_size: merged.containerDiskSize,
          volume_disk_size: merged.volumeDiskSize,
          volume_path: merged.volumePath,
          enable_jupyter: merged.enableJupyter,
          env: JSON.stringify(merged.env),
          start_command: merged.startCommand,
          description: merged.description,
          idle_timeout_minutes: merged.idleTimeoutMinutes,
          updated_at: this.deps.clock.now(),
        })
        .where('id', '=', id)
        .execute()
    } catch (error) {
      if ((error as { code?: string }).code === '23505')
        throw new AppError('CONFLICT', 409, 'Another template already has this name')
      throw error
    }
    await this.deps.audit.record(principal.userId, 'UPDATE_TEMPLATE', 'template', id, {
      fields: Object.keys(body),
    })
    return this.get(id)
  }

  /** Pods keep a full copy of what they were created with, so deleting a template never breaks them. */
  async delete(principal: Principal, id: string): Promise<number> {
    await this.editable(principal, id, 'delete')
    const using = await this.deps.db
      .selectFrom('pods')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('template_id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirstOrThrow()
    await this.deps.db.deleteFrom('templates').where('id', '=', id).execute()
    await this.deps.audit.record(principal.userId, 'DELETE_TEMPLATE', 'template', id, {
      podsUsingTemplate: using.n,
    })
    return using.n
  }

  /** First start only: later deletions by admins are respected. */
  async seed(createdBy: string): Promise<number> {
    const done = await this.deps.db
      .selectFrom('instance_settings')
      .select('key')
      .where('key', '=', SEEDED_MARKER)
      .executeTakeFirst()
    if (done) return 0
    let created = 0
    for (const t of SEED_TEMPLATES) {
      const exists = await this.deps.db
        .selectFrom('templates')
        .select('id')
        .where(sql`lower(name)`, '=', t.name.toLowerCase())
        .executeTakeFirst()
      if (exists) continue
      await this.insert(createdBy, {
        name: t.name,
        dockerImage: t.dockerImage,
        httpPorts: t.httpPorts,
        tcpPorts: t.tcpPorts ?? [],
        containerDiskSize: t.containerDiskSize ?? 10,
        volumeDiskSize: t.volumeDiskSize ?? 20,
        volumePath: t.volumePath ?? '/workspace',
        enableJupyter: t.enableJupyter ?? false,
        env: t.env ?? {},
        startCommand: t.startCommand ?? null,
        description: t.description ?? '',
        idleTimeoutMinutes: null,
      })
      created++
    }
    await this.deps.db
      .insertInto('instance_settings')
      .values({ key: SEEDED_MARKER, value: 'true' })
      .onConflict((oc) => oc.doNothing())
      .execute()
    return created
  }
}

function trimPorts(ports: { port: number; serviceName: string }[]) {
  return ports.map((p) => ({ port: p.port, serviceName: p.serviceName.trim() }))
}

function templateView(row: TemplateRowWithCreator): Template {
  return {
    id: row.id,
    _id: row.id,
    name: row.name,
    dockerImage: row.docker_image,
    httpPorts: row.http_ports,
    tcpPorts: row.tcp_ports,
    containerDiskSize: row.container_disk_size,
    volumeDiskSize: row.volume_disk_size,
    volumePath: row.volume_path,
    enableJupyter: row.enable_jupyter,
    env: row.env,
    startCommand: row.start_command,
    description: row.description,
    createdBy:
      row.created_by && row.creator_name
        ? { _id: row.created_by, id: row.created_by, name: row.creator_name, email: row.creator_email ?? '' }
        : null,
    podCount: row.pod_count,
    idleTimeoutMinutes: row.idle_timeout_minutes,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  }
}
