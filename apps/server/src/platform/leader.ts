import pg from 'pg'

/**
 * Exactly one replica runs the reconciler, the prober and the meter. With PostgreSQL that replica
 * holds a session-level advisory lock on a dedicated connection; if the connection drops, the lock
 * is released by the server and another replica takes over within one check interval.
 */
export interface LeaderElection {
  readonly isLeader: boolean
  start(onChange: (leader: boolean) => void): Promise<void>
  close(): Promise<void>
}

export class AlwaysLeader implements LeaderElection {
  readonly isLeader = true
  async start(onChange: (leader: boolean) => void): Promise<void> {
    onChange(true)
  }
  async close(): Promise<void> {}
}

const LOCK_KEY = 7_001_002_003 // arbitrary, fixed: identifies "NeuroPod leader" in pg_locks

export class AdvisoryLockLeader implements LeaderElection {
  private client: pg.Client | null = null
  private timer: NodeJS.Timeout | null = null
  private leader = false
  private onChange: (leader: boolean) => void = () => {}
  private closed = false

  constructor(
    private readonly connectionString: string,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  get isLeader(): boolean {
    return this.leader
  }

  async start(onChange: (leader: boolean) => void): Promise<void> {
    this.onChange = onChange
    await this.check()
    this.timer = setInterval(() => void this.check(), this.intervalMs)
  }

  private setLeader(value: boolean): void {
    if (value === this.leader) return
    this.leader = value
    this.onChange(value)
  }

  private async check(): Promise<void> {
    if (this.closed) return
    try {
      if (!this.client) {
        const client = new pg.Client({ connectionString: this.connectionString })
        client.on('error', (error) => {
          this.onError(error)
          this.client = null
          this.setLeader(false)
        })
        await client.connect()
        this.client = client
      }
      if (this.leader) {
        await this.client.query('select 1')
        return
      }
      const result = await this.client.query<{ locked: boolean }>(
        'select pg_try_advisory_lock($1) as locked',
        [LOCK_KEY],
      )
      this.setLeader(result.rows[0]?.locked === true)
    } catch (error) {
      this.onError(error)
      await this.client?.end().catch(() => {})
      this.client = null
      this.setLeader(false)
    }
  }

  async close(): Promise<void> {
    this.closed = true
    if (this.timer) clearInterval(this.timer)
    this.setLeader(false)
    await this.client?.end().catch(() => {})
  }
}
