import { useCallback, useState } from 'react'
import { deleteUser, listUsers, updateUser, type UserChanges } from '../api/admin'
import type { AdminUser } from '@dropline/contract'
import { formatShortDate } from '../format/formatDate'
import { useDebouncedValue } from '../hooks/useDebouncedValue'
import { useToasts } from '../notifications/useToasts'
import { UsageBar } from './UsageBar'
import { useLoaded } from './useLoaded'

const GIB = 2 ** 30

export function UsersView({ currentUserId }: { currentUserId: string }) {
  const { notify } = useToasts()
  const [search, setSearch] = useState('')
  const q = useDebouncedValue(search.trim(), 300)
  const load = useCallback((signal: AbortSignal) => listUsers(q, null, signal), [q])
  const [users, reload] = useLoaded(load)

  const change = async (user: AdminUser, changes: UserChanges, done: string) => {
    try {
      await updateUser(user.id, changes)
      notify(done)
    } catch (error) {
      notify(error instanceof Error ? error.message : 'The change failed.')
    }
    reload()
  }

  const remove = async (user: AdminUser) => {
    if (!window.confirm(`Delete ${user.email} with all their files? This cannot be undone.`)) return
    try {
      await deleteUser(user.id)
      notify(`Deleted ${user.email}`)
    } catch (error) {
      notify(error instanceof Error ? error.message : 'The deletion failed.')
    }
    reload()
  }

  const setQuota = (user: AdminUser) => {
    const current = user.usage.quotaBytes === null ? '' : String(user.usage.quotaBytes / GIB)
    const answer = window.prompt(`Quota for ${user.email} in GiB (empty: the server's default)`, current)
    if (answer === null) return
    const gib = answer.trim() === '' ? null : Number(answer)
    if (gib !== null && (!Number.isFinite(gib) || gib < 0)) return notify('Give a number of GiB, or leave it empty.')
    void change(user, { quotaBytes: gib === null ? null : Math.round(gib * GIB) }, `Quota of ${user.email} changed`)
  }

  return (
    <section className="panel admin-panel" aria-labelledby="users-heading">
      <h2 id="users-heading" className="panel__title">
        Users
      </h2>
      <label className="field admin-panel__search">
        <span className="field__label">Search by email or name</span>
        <input type="search" value={search} onChange={(event) => setSearch(event.target.value)} />
      </label>
      {users.status === 'loading' && <p className="panel__placeholder">Loading users…</p>}
      {users.status === 'error' && (
        <p className="panel__placeholder" role="alert">
          {users.message}
        </p>
      )}
      {users.status === 'ready' && (
        <ul className="admin-list" data-testid="admin-users">
          {users.value.items.map((user) => (
            <li key={user.id} className={`admin-list__item${user.disabled ? ' admin-list__item--disabled' : ''}`} data-email={user.email}>
              <div className="admin-list__main">
                <span className="admin-list__name">{user.displayName}</span>
                <span className="admin-list__meta">
                  {user.email} · {user.usage.files} {user.usage.files === 1 ? 'file' : 'files'} · since {formatShortDate(user.createdAt)}
                  {user.role === 'admin' && <span className="role-tag">admin</span>}
                  {user.disabled && <span className="role-tag role-tag--warn">disabled</span>}
                </span>
                <UsageBar usage={user.usage} label={`Storage used by ${user.email}`} />
              </div>
              <div className="button-row">
                <button
                  type="button"
                  className="button button--small"
                  disabled={user.id === currentUserId}
                  onClick={() =>
                    void change(
                      user,
                      { role: user.role === 'admin' ? 'user' : 'admin' },
                      `${user.email} is now ${user.role === 'admin' ? 'a user' : 'an admin'}`,
                    )
                  }
                >
                  {user.role === 'admin' ? 'Make user' : 'Make admin'}
                </button>
                <button type="button" className="button button--small" onClick={() => setQuota(user)}>
                  Quota
                </button>
                <button
                  type="button"
                  className="button button--small"
                  disabled={user.id === currentUserId}
                  onClick={() => void change(user, { disabled: !user.disabled }, `${user.email} ${user.disabled ? 'enabled' : 'disabled'}`)}
                >
                  {user.disabled ? 'Enable' : 'Disable'}
                </button>
                <button
                  type="button"
                  className="button button--small button--danger-quiet"
                  disabled={user.id === currentUserId}
                  onClick={() => void remove(user)}
                >
                  Delete
                </button>
              </div>
            </li>
          ))}
          {users.value.items.length === 0 && <li className="panel__placeholder">No user matches.</li>}
        </ul>
      )}
    </section>
  )
}
