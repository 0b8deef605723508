import { type Kysely, sql } from 'kysely'

// Frozen: never edit after release; add a new migration instead. Uses Kysely<any> on purpose.
// Money columns are bigint micro-euros; times are timestamptz.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create extension if not exists pg_trgm`.execute(db)

  await sql`
    create table instance_settings (
      key text primary key,
      value text not null,
      created_at timestamptz not null default now()
    )`.execute(db)

  await sql`
    create table users (
      id text primary key,
      email text not null,
      name text not null,
      avatar text,
      password_hash text,
      google_sub text,
      role text not null check (role in ('client', 'admin')),
      balance bigint not null default 0,
      balance_alert text not null default 'none' check (balance_alert in ('none', 'low', 'empty')),
      suspended_at timestamptz,
      suspended_reason text,
      deleted_at timestamptz,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      last_login_at timestamptz,
      last_seen_at timestamptz
    )`.execute(db)
  await sql`create unique index users_email_key on users (email)`.execute(db)
  await sql`create unique index users_google_sub_key on users (google_sub) where google_sub is not null`.execute(
    db,
  )
  await sql`create index users_created_at_idx on users (created_at desc, id) where deleted_at is null`.execute(
    db,
  )
  await sql`create index users_search_trgm_idx on users using gin ((email || ' ' || lower(name)) gin_trgm_ops)`.execute(
    db,
  )

  await sql`
    create table sessions (
      id text primary key,
      user_id text not null references users(id) on delete cascade,
      token_hash text not null,
      provider text not null,
      created_at timestamptz not null,
      expires_at timestamptz not null,
      last_used_at timestamptz,
      revoked_at timestamptz,
      user_agent text
    )`.execute(db)
  await sql`create unique index sessions_token_hash_key on sessions (token_hash)`.execute(db)
  await sql`create index sessions_user_idx on sessions (user_id) where revoked_at is null`.execute(db)

  await sql`
    create table api_keys (
      id text primary key,
      user_id text not null references users(id) on delete cascade,
      name text not null,
      prefix text not null,
      key_hash text not null,
      created_at timestamptz not null,
      last_used_at timestamptz,
      revoked_at timestamptz
    )`.execute(db)
  await sql`create unique index api_keys_key_hash_key on api_keys (key_hash)`.execute(db)
  await sql`create index api_keys_user_idx on api_keys (user_id, created_at desc) where revoked_at is null`.execute(
    db,
  )

  await sql`
    create table gpu_types (
      id text primary key,
      name text not null,
      price_per_hour bigint not null check (price_per_hour >= 0),
      available boolean not null,
      memory text not null default '',
      cores integer not null default 0,
      performance text not null default '',
      sort_order integer not null default 0,
      updated_at timestamptz not null
    )`.execute(db)

  await sql`
    create table pricing_settings (
      id integer primary key check (id = 1),
      container_disk_price bigint not null,
      container_disk_unit text not null,
      container_disk_description text not null,
      volume_disk_price bigint not null,
      volume_disk_unit text not null,
      volume_disk_description text not null,
      container_disk_max integer not null,
      volume_disk_max integer not null,
      ports_max integer not null,
      pods_per_user integer not null,
      gpu_count_max integer not null,
      free_tier_enabled boolean not null,
      initial_balance bigint not null,
      low_balance_threshold_minutes integer not null,
      minimum_start_minutes integer not null,
      updated_at timestamptz,
      updated_by text
    )`.execute(db)

  await sql`
    create table templates (
      id text primary key,
      name text not null,
      docker_image text not null,
      http_ports jsonb not null,
      tcp_ports jsonb not null,
      container_disk_size integer not null,
      volume_disk_size integer not null,
      volume_path text not null,
      enable_jupyter boolean not null,
      env jsonb not null,
      start_command text,
      description text not null,
      created_by text references users(id) on delete set null,
      created_at timestamptz not null,
      updated_at timestamptz not null
    )`.execute(db)
  await sql`create unique index templates_name_key on templates (lower(name))`.execute(db)
  await sql`create index templates_created_at_idx on templates (created_at desc)`.execute(db)

  await sql`
    create table pods (
      id text primary key,
      slug text not null,
      name text not null,
      user_id text not null references users(id),
      created_by text references users(id) on delete set null,
      deployment_type text not null check (deployment_type in ('template', 'docker')),
      template_id text references templates(id) on delete set null,
      template_name text,
      docker_image text not null,
      gpu text not null,
      gpu_count integer not null,
      container_disk_size integer not null,
      volume_disk_size integer not null,
      volume_path text not null,
      enable_jupyter boolean not null,
      jupyter_token_sealed text,
      env jsonb not null,
      start_command text,
      http_services jsonb not null,
      tcp_services jsonb not null,
      desired_state text not null check (desired_state in ('running', 'stopped', 'deleted')),
      status text not null check (status in ('pending', 'creating', 'running', 'stopping', 'stopped', 'error', 'deleting', 'deleted')),
      status_reason text,
      exit_code integer,
      runtime text not null,
      runtime_state jsonb not null default '{}',
      compute_rate bigint not null,
      storage_rate bigint not null,
      compute_active boolean not null default false,
      billed_until timestamptz,
      billing_carry bigint not null default 0,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      started_at timestamptz,
      stopped_at timestamptz,
      last_active_at timestamptz,
      deleted_at timestamptz
    )`.execute(db)
  await sql`create unique index pods_slug_key on pods (slug)`.execute(db)
  await sql`create unique index pods_owner_name_key on pods (user_id, lower(name)) where deleted_at is null`.execute(
    db,
  )
  await sql`create index pods_user_created_idx on pods (user_id, created_at desc) where deleted_at is null`.execute(
    db,
  )
  await sql`create index pods_created_idx on pods (created_at desc, id) where deleted_at is null`.execute(db)
  await sql`create index pods_status_idx on pods (status) where deleted_at is null`.execute(db)
  await sql`create index pods_gpu_idx on pods (gpu) where deleted_at is null`.execute(db)
  await sql`create index pods_template_idx on pods (template_id) where deleted_at is null`.execute(db)
  // The meter scans only pods that accrue.
  await sql`create index pods_billing_idx on pods (billed_until) where billed_until is not null`.execute(db)
  // The reconciler scans only pods whose observed state differs from the desired one.
  await sql`
    create index pods_reconcile_idx on pods (updated_at)
    where status in ('pending', 'creating', 'stopping', 'deleting')
       or (desired_state = 'stopped' and status in ('running', 'error'))
       or (desired_state = 'deleted' and status <> 'deleted')`.execute(db)

  await sql`
    create table pod_events (
      id bigserial primary key,
      pod_id text not null references pods(id) on delete cascade,
      at timestamptz not null,
      type text not null check (type in ('normal', 'warning')),
      reason text not null,
      message text not null,
      progress integer
    )`.execute(db)
  await sql`create index pod_events_pod_idx on pod_events (pod_id, id desc)`.execute(db)

  await sql`
    create table ledger (
      id bigserial primary key,
      user_id text not null references users(id),
      type text not null check (type in ('credit', 'usage', 'refund', 'adjustment')),
      amount bigint not null,
      balance_after bigint not null,
      reason text not null,
      actor_id text references users(id) on delete set null,
      pod_id text references pods(id) on delete set null,
      period_start timestamptz,
      period_end timestamptz,
      created_at timestamptz not null
    )`.execute(db)
  await sql`create index ledger_user_idx on ledger (user_id, id desc)`.execute(db)
  await sql`create index ledger_pod_idx on ledger (pod_id) where pod_id is not null`.execute(db)
  await sql`create index ledger_usage_day_idx on ledger (created_at) where type = 'usage'`.execute(db)

  // Per pod, per UTC day: what the meter charged. Derived from the same transactions as the ledger.
  await sql`
    create table usage_daily (
      pod_id text not null references pods(id),
      day date not null,
      user_id text not null references users(id),
      amount bigint not null,
      compute_ms bigint not null,
      storage_ms bigint not null,
      primary key (pod_id, day)
    )`.execute(db)
  await sql`create index usage_daily_user_idx on usage_daily (user_id, day)`.execute(db)

  // One GPU device belongs to at most one pod (the primary key enforces it).
  await sql`
    create table gpu_allocations (
      device_id text primary key,
      gpu_type text not null,
      pod_id text not null references pods(id) on delete cascade,
      allocated_at timestamptz not null
    )`.execute(db)
  await sql`create index gpu_allocations_pod_idx on gpu_allocations (pod_id)`.execute(db)

  await sql`
    create table audit_log (
      id bigserial primary key,
      at timestamptz not null,
      actor_id text,
      action text not null,
      target_type text,
      target_id text,
      details jsonb not null default '{}'
    )`.execute(db)
  await sql`create index audit_log_at_idx on audit_log (at desc)`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'audit_log',
    'gpu_allocations',
    'usage_daily',
    'ledger',
    'pod_events',
    'pods',
    'templates',
    'pricing_settings',
    'gpu_types',
    'api_keys',
    'sessions',
    'users',
    'instance_settings',
  ]) {
    await sql`drop table if exists ${sql.table(table)} cascade`.execute(db)
  }
}
