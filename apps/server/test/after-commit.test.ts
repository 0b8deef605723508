import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runInTransaction } from '../src/db/transaction.js'
import type { EventInput } from '../src/pods/pod-publisher.js'
import { createTestServer, type Json, type TestServer, usingPostgres, waitForEvent } from './harness.js'
import type { PlatformSocket } from './socket-client.js'

const note = (reason: string): EventInput => ({ type: 'normal', reason, message: reason, progress: null })

/** Every podEvent reason a socket receives, in order. */
function reasons(socket: PlatformSocket): string[] {
  const seen: string[] = []
  socket.on('podEvent', (e) => seen.push(e.event.reason))
  return seen
}

/** A ping answered means every message the server sent this socket before it has arrived. */
async function drained(socket: PlatformSocket): Promise<void> {
  const pong = waitForEvent(socket, 'pong')
  socket.emit('ping')
  await pong
}

describe('realtime messages wait for their transaction to commit', () => {
  let server: TestServer
  let owner: { token: string; email: string }
  let podId: string

  beforeAll(async () => {
    server = await createTestServer()
    owner = await server.newClient('after-commit')
    const created = await server.request('POST', '/api/pods', {
      token: owner.token,
      body: { name: 'outbox', dockerImage: 'busybox:latest', gpu: 'cpu', ports: [8080] },
    })
    expect(created.status).toBe(201)
    podId = created.body.data.podId
  })
  afterAll(() => server?.stop())

  it('sends no socket an event from a rolled-back transaction, and a committed one only after commit', async () => {
    const { publisher, database } = server.platform
    const ownerSocket = await server.socket(owner.token)
    const adminSocket = await server.socket(server.adminToken)
    const seenByOwner = reasons(ownerSocket)
    const seenByAdmin = reasons(adminSocket)

    await expect(
      runInTransaction(database.db, async (tx) => {
        await publisher.event(podId, note('RolledBack'), tx)
        throw new Error('roll back')
      }),
    ).rejects.toThrow('roll back')

    await runInTransaction(database.db, async (tx) => {
      await publisher.event(podId, note('Committed'), tx)
      // Still open: nothing has left the transaction yet.
      await drained(ownerSocket)
      expect(seenByOwner).not.toContain('Committed')
    })
    await waitForEvent(ownerSocket, 'podEvent', (e) => e.event.reason === 'Committed')
    await waitForEvent(adminSocket, 'podEvent', (e) => e.event.reason === 'Committed')
    expect(seenByOwner).not.toContain('RolledBack')
    expect(seenByAdmin).not.toContain('RolledBack')

    const events = await server.request('GET', `/api/pods/${podId}/events`, { token: owner.token })
    const stored = events.body.data.map((e: Json) => e.reason)
    expect(stored).toContain('Committed')
    expect(stored).not.toContain('RolledBack')
  })

  describe.skipIf(!usingPostgres())('across replicas (PostgreSQL)', () => {
    let replica: TestServer
    beforeAll(async () => {
      replica = await createTestServer({ database: server.platform.database })
    })
    afterAll(() => replica?.stop())

    it('never notifies other replicas of a rolled-back event', async () => {
      const { publisher, database } = server.platform
      const remote = await replica.socket(owner.token)
      const seenRemotely = reasons(remote)
      await expect(
        runInTransaction(database.db, async (tx) => {
          await publisher.event(podId, note('RolledBackRemote'), tx)
          throw new Error('roll back')
        }),
      ).rejects.toThrow('roll back')
      await runInTransaction(database.db, (tx) => publisher.event(podId, note('CommittedRemote'), tx))
      await waitForEvent(remote, 'podEvent', (e) => e.event.reason === 'CommittedRemote')
      expect(seenRemotely).not.toContain('RolledBackRemote')
    })

    it('rebuilds on the other replica a pod message too large for NOTIFY', async () => {
      const remote = await replica.socket(owner.token)
      const big = 'x'.repeat(4000)
      const created = waitForEvent(remote, 'podCreated', (e) => e.podName === 'large-env')
      const res = await server.request('POST', '/api/pods', {
        token: owner.token,
        body: {
          name: 'large-env',
          dockerImage: 'busybox:latest',
          gpu: 'cpu',
          ports: [8080],
          env: { BIG: big, BIG2: big, BIG3: big },
        },
      })
      expect(res.status, JSON.stringify(res.body)).toBe(201)
      const event = await created
      expect(event.pod.env.BIG).toBe(big)
      expect(event.createdBy).toBe(owner.email)
      const updated = await waitForEvent(remote, 'podUpdate', (e) => e.podId === res.body.data.podId)
      expect(updated.pod.env.BIG).toBe(big)
      // Events are rebuilt from their row: a message longer than NOTIFY takes, in 2,000 characters.
      const eventSeen = waitForEvent(remote, 'podEvent', (e) => e.event.reason === 'Wide')
      const wide = '\u0001'.repeat(2000)
      await server.platform.publisher.event(res.body.data.podId, {
        type: 'normal',
        reason: 'Wide',
        message: wide,
        progress: null,
      })
      expect((await eventSeen).event.message).toBe(wide)
    })
  })
})
