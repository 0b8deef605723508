import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { usersQuery } from '../../api/queries/users'
import type { User, UsersFilter } from '../../api/types'
import { loaded } from '../../api/view-state'
import { useT } from '../../i18n'
import { AdminUsersView, type UserAction } from './AdminUsersView'
import { UserActionDialog } from './UserActionDialog'

export default function AdminUsersPage({ me }: { me: User }) {
  const { t } = useT()
  const [filter, setFilter] = useState<UsersFilter>({ page: 1, limit: 20 })
  const [action, setAction] = useState<UserAction | null>(null)
  const users = loaded(useQuery(usersQuery(filter)), t('common.loadFailed'))
  return (
    <>
      <AdminUsersView me={me} filter={filter} onFilter={setFilter} users={users} onAction={setAction} />
      {action && (
        <UserActionDialog
          key={`${action.kind}-${action.user.id}`}
          action={action}
          onClose={() => setAction(null)}
        />
      )}
    </>
  )
}
