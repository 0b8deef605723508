import { useQuery, useQueryClient } from '@tanstack/react-query'
import { type ReactNode, useEffect } from 'react'
import { Navigate, useLocation } from 'react-router'
import { setUnauthenticatedHandler } from '../api/client'
import { authKeys, meQuery } from '../api/queries/auth'
import type { User } from '../api/types'
import { Loading } from '../components/Feedback'

/** The session as the server sees it: `undefined` while asking, `null` when signed out. */
export function useMe(): { me: User | null | undefined; error: unknown } {
  const query = useQuery(meQuery())
  return { me: query.data, error: query.error }
}

/** A 401 on any call means the session ended (expired, revoked, suspended): forget the user. */
export function useSessionExpiry(): void {
  const client = useQueryClient()
  useEffect(() => {
    setUnauthenticatedHandler(() => {
      client.setQueryData(authKeys.me, null)
    })
    return () => setUnauthenticatedHandler(null)
  }, [client])
}

/** Where to go after signing in: only same-origin relative paths, never another site. */
export function safeNext(next: string | null): string | null {
  if (!next) return null
  if (!next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return null
  try {
    const url = new URL(next, window.location.origin)
    return url.origin === window.location.origin ? url.pathname + url.search + url.hash : null
  } catch {
    return null
  }
}

export function homeFor(user: User): string {
  return user.role === 'admin' ? '/admin' : '/pods'
}

export function RequireAuth({
  adminOnly,
  children,
}: {
  adminOnly?: boolean
  children: (me: User) => ReactNode
}) {
  const { me, error } = useMe()
  const location = useLocation()
  if (me === undefined && !error) return <Loading />
  if (!me) {
    const next = location.pathname + location.search
    return <Navigate to={`/login?next=${encodeURIComponent(next)}`} replace />
  }
  if (adminOnly && me.role !== 'admin') return <Navigate to="/pods" replace />
  return <>{children(me)}</>
}
