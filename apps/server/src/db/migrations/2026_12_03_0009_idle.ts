import { type Kysely, sql } from 'kysely'

// Frozen: never edit after release; add a new migration instead. Uses Kysely<any> on purpose.
// Idle auto-stop (ADR 0018): the policy per template and pod, deadlines kept in the database so a
// control-plane restart keeps them, the latest activity with the signal it came from, platform
// settings (one row), and the user's in-app notification list.
export async function up(db: Kysely<any>): Promise<void> {
  // null: pods from the template take the platform default
  await sql`alter table templates add column idle_timeout_minutes integer`.execute(db)
  await sql`
    alter table pods
      add column idle_timeout_minutes integer,
      add column max_runtime_minutes integer,
      add column stop_at timestamptz,
      add column idle_deadline timestamptz,
      add column idle_warned_deadline timestamptz,
      add column last_activity_source text,
      add column last_activity_detail text,
      add column auto_stop_reason text`.execute(db)
  // Pods created before this migration keep running as they did: no idle timeout (never).
  await sql`
    create table idle_settings (
      id integer primary key check (id = 1),
      default_timeout_minutes integer not null default 60,
      max_timeout_minutes integer,
      allow_never boolean not null default true,
      warning_lead_minutes integer not null default 10,
      runway_warning_minutes integer not null default 60,
      updated_at timestamptz,
      updated_by text
    )`.execute(db)
  await sql`insert into idle_settings (id) values (1)`.execute(db)
  // The evaluator reads only pods meant to run.
  await sql`create index pods_running_idle on pods (id) where desired_state = 'running' and deleted_at is null`.execute(
    db,
  )
  await sql`
    create table notifications (
      id bigserial primary key,
      user_id text not null references users(id) on delete cascade,
      pod_id text,
      kind text not null,
      message text not null,
      created_at timestamptz not null
    )`.execute(db)
  await sql`create index notifications_user_recent on notifications (user_id, id desc)`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists notifications`.execute(db)
  await sql`drop index if exists pods_running_idle`.execute(db)
  await sql`drop table if exists idle_settings`.execute(db)
  await sql`
    alter table pods
      drop column if exists idle_timeout_minutes,
      drop column if exists max_runtime_minutes,
      drop column if exists stop_at,
      drop column if exists idle_deadline,
      drop column if exists idle_warned_deadline,
      drop column if exists last_activity_source,
      drop column if exists last_activity_detail,
      drop column if exists auto_stop_reason`.execute(db)
  await sql`alter table templates drop column if exists idle_timeout_minutes`.execute(db)
}
