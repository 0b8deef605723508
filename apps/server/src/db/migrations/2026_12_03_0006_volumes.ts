import { type Kysely, sql } from 'kysely'

// Frozen: never edit after release; add a new migration instead. Uses Kysely<any> on purpose.
// Volumes become the user's own resource (ADR 0016): a row per volume with its own meter
// (rate, billed_until, carry), which pods reference through volume_id. Every pod that is not yet
// deleted gets a row for the volume it already has, under the runtime name that volume already
// carries (docker `neuropod-<podId>-data`, kubernetes `np-<podId>-data`, the simulation keys it
// by pod id), so no runtime object is renamed and no data moves. The volume takes over the
// storage part of the pod's meter from the pod's own billed_until, so nothing is charged twice
// or skipped.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table volumes (
      id text primary key,
      user_id text not null references users(id),
      name text not null,
      size_gb integer not null check (size_gb > 0),
      mount_path text not null,
      runtime text not null,
      runtime_name text not null,
      status text not null check (status in ('ready', 'deleting', 'deleted')),
      rate bigint not null check (rate >= 0),
      billed_until timestamptz,
      billing_carry bigint not null default 0,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      deleted_at timestamptz
    )`.execute(db)
  await sql`create unique index volumes_owner_name_key on volumes (user_id, lower(name)) where deleted_at is null`.execute(
    db,
  )
  await sql`create unique index volumes_runtime_name_key on volumes (runtime, runtime_name) where deleted_at is null`.execute(
    db,
  )
  await sql`create index volumes_user_idx on volumes (user_id, created_at desc) where deleted_at is null`.execute(
    db,
  )
  await sql`create index volumes_billing_idx on volumes (billed_until) where billed_until is not null`.execute(
    db,
  )

  // Per volume, per UTC day: what the meter charged (usage_daily is per pod).
  await sql`
    create table volume_usage_daily (
      volume_id text not null references volumes(id),
      day date not null,
      user_id text not null references users(id),
      amount bigint not null,
      storage_ms bigint not null,
      primary key (volume_id, day)
    )`.execute(db)
  await sql`create index volume_usage_daily_user_idx on volume_usage_daily (user_id, day)`.execute(db)

  await sql`alter table pods add column volume_id text references volumes(id)`.execute(db)
  // Whether removing the pod removes its volume too (the delete request decides; keep by default).
  await sql`alter table pods add column delete_volume boolean not null default false`.execute(db)
  await sql`create index pods_volume_idx on pods (volume_id) where deleted_at is null`.execute(db)

  await sql`
    insert into volumes (id, user_id, name, size_gb, mount_path, runtime, runtime_name, status, rate,
                         billed_until, billing_carry, created_at, updated_at)
    select p.id, p.user_id, p.name, greatest(p.volume_disk_size, 1), p.volume_path, p.runtime,
           case p.runtime when 'docker' then 'neuropod-' || p.id || '-data'
                          when 'kubernetes' then 'np-' || p.id || '-data'
                          else p.id end,
           'ready', p.storage_rate, p.billed_until, 0, p.created_at, p.updated_at
    from pods p where p.deleted_at is null`.execute(db)
  // A pod already being deleted was asked to go with its volume (the only behaviour until now).
  await sql`
    update pods set volume_id = id, storage_rate = 0, delete_volume = (desired_state = 'deleted')
    where deleted_at is null`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    update pods set storage_rate = v.rate from volumes v
    where pods.volume_id = v.id and pods.deleted_at is null`.execute(db)
  await sql`alter table pods drop column if exists delete_volume`.execute(db)
  await sql`alter table pods drop column if exists volume_id`.execute(db)
  await sql`drop table if exists volume_usage_daily`.execute(db)
  await sql`drop table if exists volumes`.execute(db)
}
