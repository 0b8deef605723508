import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api } from '../../api/api'
import { volumeKeys, volumesAtRiskQuery, volumesQuery } from '../../api/queries/volumes'
import type { User } from '../../api/types'
import { loaded, viewAction } from '../../api/view-state'
import { useT } from '../../i18n'
import { VolumesAtRisk } from './VolumesAtRisk'
import { VolumesView } from './VolumesView'

/** The Volumes page: the queries and mutations behind VolumesView. */
export function VolumesPage({ me }: { me: User }) {
  const { t } = useT()
  const client = useQueryClient()
  const refresh = () => void client.invalidateQueries({ queryKey: volumeKeys.list })
  const list = useQuery(volumesQuery())
  const atRisk = useQuery({ ...volumesAtRiskQuery(), enabled: me.role === 'admin' })
  const create = useMutation({ mutationFn: api.volumes.create, onSuccess: refresh })
  const update = useMutation({ mutationFn: api.volumes.update, onSuccess: refresh })
  const remove = useMutation({ mutationFn: api.volumes.remove, onSuccess: refresh })
  const unexpected = t('common.unexpectedError')
  return (
    <>
      <VolumesView
        volumes={loaded(list, t('common.loadFailed'))}
        create={viewAction(create, unexpected)}
        update={viewAction(update, unexpected)}
        remove={viewAction(remove, unexpected)}
      />
      {me.role === 'admin' && <VolumesAtRisk atRisk={loaded(atRisk, t('common.loadFailed'))} />}
    </>
  )
}
