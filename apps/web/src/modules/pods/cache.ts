import type { QueryClient } from '@tanstack/react-query'
import { podKeys } from '../../api/queries/pods'
import type { Page, Pod } from '../../api/types'

/** Writes a pod the server returned (an action's result or a PATCH) into every cached list and its page. */
export function patchCachedPod(client: QueryClient, podId: string, patch: (pod: Pod) => Pod): void {
  const apply = (list: Pod[] | undefined) => list?.map((p) => (p.podId === podId ? patch(p) : p))
  client.setQueryData<Pod[]>(podKeys.own, apply)
  client.setQueriesData<Page<Pod>>({ queryKey: podKeys.adminAll }, (page) =>
    page ? { ...page, data: apply(page.data) ?? [] } : page,
  )
  client.setQueryData<Pod>(podKeys.detail(podId), (cached) => (cached ? patch(cached) : cached))
}
