import {
  BalanceChange,
  CreditBody,
  DeleteUserResult,
  Envelope,
  FixBalancesResult,
  MessageEnvelope,
  SetBalanceBody,
  SetRoleBody,
  SuspendBody,
  SuspendResult,
  UnsuspendBody,
  User,
  UserIdParams,
  UsersPage,
  UsersQuery,
} from '@neuropod/contracts'
import Type from 'typebox'
import { adminOnly, requireAdmin } from '../http/auth-hooks.js'
import { errorResponses, type RouteModule } from '../http/route-context.js'
import type { UsersService } from './users.service.js'

/** Admin user management, on the paths existing API clients call (/api/auth/users…). */
export const usersRoutes: RouteModule<{ users: UsersService }> = (app, { users }) => {
  const tags = ['Users (admin)']
  const opts = { preValidation: adminOnly }

  app.get(
    '/api/auth/users',
    {
      ...opts,
      schema: {
        tags,
        summary: 'Search and page through users, with pod counts and online state',
        querystring: UsersQuery,
        response: { 200: UsersPage, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const page = request.query.page ?? 1
      const limit = request.query.limit ?? 50
      const { total, users: data } = await users.list({
        search: request.query.search,
        role: request.query.role,
        page,
        limit,
      })
      return { success: true as const, count: data.length, total, page, limit, data }
    },
  )

  app.post(
    '/api/auth/users/balance',
    {
      ...opts,
      schema: {
        tags,
        summary: "Set a client's balance (recorded as a ledger adjustment)",
        body: SetBalanceBody,
        response: { 200: Envelope(BalanceChange), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ({
      success: true as const,
      data: await users.setBalance(requireAdmin(request), request.body),
    }),
  )

  app.post(
    '/api/auth/users/credit',
    {
      ...opts,
      schema: {
        tags,
        summary: "Add credit to (or debit) a client's balance, with a reason",
        body: CreditBody,
        response: { 200: Envelope(BalanceChange), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ({
      success: true as const,
      data: await users.credit(requireAdmin(request), request.body),
    }),
  )

  app.post(
    '/api/auth/users/suspend',
    {
      ...opts,
      schema: {
        tags,
        summary: 'Suspend a client: sessions end, sign-in is refused, pods stop (data kept)',
        body: SuspendBody,
        response: { 200: MessageEnvelope(SuspendResult), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const data = await users.suspend(requireAdmin(request), request.body)
      return { success: true as const, message: `User ${data.userEmail} suspended`, data }
    },
  )

  app.post(
    '/api/auth/users/unsuspend',
    {
      ...opts,
      schema: {
        tags,
        summary: 'Lift a suspension (pods stay stopped until started)',
        body: UnsuspendBody,
        response: {
          200: MessageEnvelope(Type.Object({ userId: Type.String(), userEmail: Type.String() })),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request) => {
      const data = await users.unsuspend(requireAdmin(request), request.body.userId)
      return { success: true as const, message: `User ${data.userEmail} reactivated`, data }
    },
  )

  app.post(
    '/api/auth/users/role',
    {
      ...opts,
      schema: {
        tags,
        summary: 'Promote to admin or demote to client',
        body: SetRoleBody,
        response: { 200: Envelope(User), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ({
      success: true as const,
      data: await users.setRole(requireAdmin(request), request.body),
    }),
  )

  app.delete(
    '/api/auth/users/:userId',
    {
      ...opts,
      schema: {
        tags,
        summary: 'Delete a client: their pods are deleted through the runtime, sessions and keys end',
        params: UserIdParams,
        response: { 200: MessageEnvelope(DeleteUserResult), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const data = await users.delete(requireAdmin(request), request.params.userId)
      return { success: true as const, message: `User ${data.userEmail} deleted`, data }
    },
  )

  app.post(
    '/api/auth/admin/fix-balances',
    {
      ...opts,
      schema: {
        tags,
        summary: 'Kept for compatibility: admin balances derive from the role, so nothing needs repair',
        response: {
          200: Type.Intersect([FixBalancesResult, Type.Object({ message: Type.String() })]),
          ...errorResponses(401, 403),
        },
      },
    },
    async () => ({
      success: true as const,
      message: 'Administrator balances are unlimited by role; nothing to repair',
      data: { usersUpdated: 0, updatedUsers: [] },
    }),
  )
}
