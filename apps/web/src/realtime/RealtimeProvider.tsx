import { useQueryClient } from '@tanstack/react-query'
import { createContext, type ReactNode, useContext, useEffect, useRef, useState } from 'react'
import { authKeys } from '../api/queries/auth'
import { billingKeys } from '../api/queries/billing'
import { podKeys } from '../api/queries/pods'
import type { User } from '../api/types'
import { useToast } from '../components/Toasts'
import { useT } from '../i18n'
import { useKeepRunning } from '../modules/pods/IdleBanner'
import { applyRealtimeEvent } from './cache-reducer'
import type { Viewer } from './events'
import { noticeToast } from './notices'
import { connectRealtime, type RealtimeSocket, type SocketStatus } from './socket'

interface Realtime {
  status: SocketStatus
  socket: RealtimeSocket | null
}

const RealtimeContext = createContext<Realtime>({ status: 'offline', socket: null })

/** Keeps one socket open while signed in and applies every event to the query cache. */
export function RealtimeProvider({ me, children }: { me: User; children: ReactNode }) {
  const client = useQueryClient()
  const toast = useToast()
  const { t, locale } = useT()
  const [state, setState] = useState<Realtime>({ status: 'connecting', socket: null })
  const { keep } = useKeepRunning()
  // The latest translator without reconnecting when the language changes.
  const latest = useRef({ t, locale, toast, keep })
  latest.current = { t, locale, toast, keep }
  const viewer: Viewer = { userId: me.id, email: me.email, role: me.role }
  const viewerKey = `${viewer.userId}:${viewer.role}:${viewer.email}`

  // biome-ignore lint/correctness/useExhaustiveDependencies: reconnect only when the identity changes
  useEffect(() => {
    const socket = connectRealtime({
      onEvent: (event) => {
        const notices = applyRealtimeEvent(client, event, viewer)
        for (const notice of notices) {
          const { t: tr, locale: loc, toast: show, keep: keepRunning } = latest.current
          const shown = noticeToast(notice, tr, loc)
          // An idle warning's toast carries Keep running: one click extends the pod.
          if (notice.kind === 'idleWarning')
            show.show({
              ...shown,
              action: { label: tr('idle.keepRunning'), run: () => keepRunning(notice) },
            })
          else show.show(shown)
        }
      },
      onStatus: (status) => setState((s) => ({ ...s, status })),
      onResync: () => {
        void client.invalidateQueries({ queryKey: podKeys.all })
        void client.invalidateQueries({ queryKey: billingKeys.all })
        void client.invalidateQueries({ queryKey: authKeys.me })
      },
      onRejected: () => void client.invalidateQueries({ queryKey: authKeys.me }),
    })
    setState({ status: 'connecting', socket })
    return () => {
      socket.removeAllListeners()
      socket.disconnect()
    }
  }, [client, viewerKey])

  return <RealtimeContext.Provider value={state}>{children}</RealtimeContext.Provider>
}

export function useRealtime(): Realtime {
  return useContext(RealtimeContext)
}
