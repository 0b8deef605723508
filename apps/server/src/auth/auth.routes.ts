import {
  ApiKey,
  AuthResponse,
  ChangePasswordBody,
  CreateApiKeyBody,
  CreatedApiKey,
  Envelope,
  GoogleLoginBody,
  LoginBody,
  MockLoginBody,
  RegisterBody,
  SuccessMessage,
  UpdateProfileBody,
  User,
  VerifyResponse,
} from '@neuropod/contracts'
import type { FastifyReply } from 'fastify'
import Type from 'typebox'
import type { Config } from '../config.js'
import { requestMeta, requireUser, userOnly } from '../http/auth-hooks.js'
import { errorResponses, type RouteModule, redirectResponse } from '../http/route-context.js'
import type { AuthService } from './auth.service.js'
import { SESSION_COOKIE } from './principal.js'

export interface AuthRoutesDeps {
  auth: AuthService
  config: Pick<Config, 'publicUrl' | 'auth' | 'trustProxy'>
}

export const authRoutes: RouteModule<AuthRoutesDeps> = (app, { auth, config }) => {
  const tags = ['Auth']
  const secure = config.publicUrl.startsWith('https:')
  const setCookie = (reply: FastifyReply, token: string) =>
    reply.setCookie(SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'lax',
      secure,
      path: '/',
      maxAge: config.auth.sessionTtlHours * 3600,
    })

  app.get(
    '/api/auth/config',
    {
      schema: {
        tags,
        summary: 'Which sign-in methods this instance offers (public)',
        response: {
          200: Type.Object({
            success: Type.Literal(true),
            data: Type.Object({
              googleClientId: Type.Union([Type.String(), Type.Null()]),
              devLogin: Type.Boolean(),
              passwordLogin: Type.Boolean(),
              restrictedEmails: Type.Boolean(),
            }),
          }),
        },
      },
    },
    async () => ({
      success: true as const,
      data: {
        googleClientId: config.auth.googleClientId,
        devLogin: config.auth.devLogin,
        passwordLogin: true,
        restrictedEmails: config.auth.allowedEmails.length > 0,
      },
    }),
  )

  app.post(
    '/api/auth/register',
    {
      schema: {
        tags,
        summary: 'Create an account with e-mail and password',
        body: RegisterBody,
        response: { 201: AuthResponse, ...errorResponses(400, 403, 409) },
      },
    },
    async (request, reply) => {
      const result = await auth.register(request.body, requestMeta(request, config.trustProxy))
      setCookie(reply, result.token)
      return reply.status(201).send({ success: true as const, ...result })
    },
  )

  app.post(
    '/api/auth/login',
    {
      schema: {
        tags,
        summary: 'Sign in with e-mail and password',
        body: LoginBody,
        response: { 200: AuthResponse, ...errorResponses(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      const result = await auth.login(request.body, requestMeta(request, config.trustProxy))
      setCookie(reply, result.token)
      return { success: true as const, ...result }
    },
  )

  app.post(
    '/api/auth/google',
    {
      schema: {
        tags,
        summary: "Sign in with a Google ID token (verified against Google's keys)",
        body: GoogleLoginBody,
        response: { 200: AuthResponse, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const result = await auth.google(request.body.token, requestMeta(request, config.trustProxy))
      setCookie(reply, result.token)
      return { success: true as const, ...result }
    },
  )

  app.get(
    '/api/auth/google/callback',
    {
      schema: {
        tags,
        summary: 'Kept for old links: sends the browser to the login page',
        response: { 302: redirectResponse('To `/login`') },
      },
    },
    async (_request, reply) => reply.redirect('/login'),
  )

  if (config.auth.devLogin) {
    app.post(
      '/api/auth/mock-login',
      {
        schema: {
          tags,
          summary: 'Development sign-in by e-mail only (NEUROPOD_DEV_LOGIN=true)',
          body: MockLoginBody,
          response: { 200: AuthResponse, ...errorResponses(400, 403) },
        },
      },
      async (request, reply) => {
        const result = await auth.mockLogin(request.body, requestMeta(request, config.trustProxy))
        setCookie(reply, result.token)
        return { success: true as const, ...result }
      },
    )
  }

  app.post(
    '/api/auth/logout',
    {
      preValidation: userOnly,
      schema: {
        tags,
        summary: 'End the current session (REST and sockets)',
        response: { 200: SuccessMessage, ...errorResponses(401) },
      },
    },
    async (request, reply) => {
      await auth.logout(requireUser(request))
      reply.clearCookie(SESSION_COOKIE, { path: '/' })
      return { success: true as const, message: 'Signed out' }
    },
  )

  app.get(
    '/api/auth/verify',
    {
      preValidation: userOnly,
      schema: {
        tags,
        summary: 'Check the session and return the user',
        response: { 200: VerifyResponse, ...errorResponses(401) },
      },
    },
    async (request) => ({ success: true as const, user: await auth.me(requireUser(request)) }),
  )

  // Pages ask "who is signed in?" on every load; a visitor is an answer (null), not a 401 that
  // browsers would log as an error on the landing page.
  app.get(
    '/api/auth/session',
    {
      schema: {
        tags,
        summary: 'The signed-in user, or null for a visitor (never 401)',
        response: { 200: Envelope(Type.Union([User, Type.Null()])) },
      },
    },
    async (request) => ({
      success: true as const,
      data: request.principal ? await auth.me(request.principal) : null,
    }),
  )

  app.get(
    '/api/auth/me',
    {
      preValidation: userOnly,
      schema: {
        tags,
        summary: 'The signed-in user',
        response: { 200: Envelope(User), ...errorResponses(401) },
      },
    },
    async (request) => ({ success: true as const, data: await auth.me(requireUser(request)) }),
  )

  app.patch(
    '/api/auth/me',
    {
      preValidation: userOnly,
      schema: {
        tags,
        summary: 'Update name or avatar',
        body: UpdateProfileBody,
        response: { 200: Envelope(User), ...errorResponses(400, 401) },
      },
    },
    async (request) => ({
      success: true as const,
      data: await auth.updateProfile(requireUser(request), request.body),
    }),
  )

  app.post(
    '/api/auth/me/password',
    {
      preValidation: userOnly,
      schema: {
        tags,
        summary: 'Set or change the password (other sessions are signed out)',
        body: ChangePasswordBody,
        response: { 200: SuccessMessage, ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      await auth.changePassword(requireUser(request), request.body)
      return { success: true as const, message: 'Password changed' }
    },
  )

  app.get(
    '/api/auth/api-keys',
    {
      preValidation: userOnly,
      schema: {
        tags,
        summary: 'Your API keys (never the secrets)',
        response: { 200: Envelope(Type.Array(ApiKey)), ...errorResponses(401) },
      },
    },
    async (request) => ({ success: true as const, data: await auth.listApiKeys(requireUser(request)) }),
  )

  app.post(
    '/api/auth/api-keys',
    {
      preValidation: userOnly,
      schema: {
        tags,
        summary: 'Create an API key; the key is shown only in this response',
        body: CreateApiKeyBody,
        response: { 201: Envelope(CreatedApiKey), ...errorResponses(400, 401, 409) },
      },
    },
    async (request, reply) =>
      reply.status(201).send({
        success: true as const,
        data: await auth.createApiKey(requireUser(request), request.body.name),
      }),
  )

  app.delete(
    '/api/auth/api-keys/:id',
    {
      preValidation: userOnly,
      schema: {
        tags,
        summary: 'Revoke an API key',
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: { 200: SuccessMessage, ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      await auth.revokeApiKey(requireUser(request), request.params.id)
      return { success: true as const, message: 'API key revoked' }
    },
  )
}
