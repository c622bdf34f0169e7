import type { Usage, User } from '@dropline/contract'
import { UsageBar } from '../admin/UsageBar'
import { ConnectionStatus } from '../realtime/ConnectionStatus'
import type { ConnectionState } from '../realtime/useSocket'
import { ThemeToggle } from '../theme/ThemeToggle'

export type View = 'files' | 'shares' | 'admin'

interface AppHeaderProps {
  user: User
  /** The user's own storage; null until it has loaded. */
  usage: Usage | null
  connection: ConnectionState
  view: View
  /** Admins also get the admin area. */
  isAdmin: boolean
  onViewChange: (view: View) => void
  onSignOut: () => void
}

const VIEWS: Array<[View, string]> = [
  ['files', 'Files'],
  ['shares', 'Shares'],
  ['admin', 'Admin'],
]

export function AppHeader({ user, usage, connection, view, isAdmin, onViewChange, onSignOut }: AppHeaderProps) {
  return (
    <header className="app-header">
      <div className="app-header__start">
        <span className="brand">Dropline</span>
        <ConnectionStatus state={connection} />
      </div>
      <nav className="app-nav" aria-label="Views">
        {VIEWS.filter(([id]) => id !== 'admin' || isAdmin).map(([id, label]) => (
          <button key={id} type="button" className="app-nav__item" aria-current={view === id ? 'page' : undefined} onClick={() => onViewChange(id)}>
            {label}
          </button>
        ))}
      </nav>
      <div className="app-header__end">
        {usage && (
          <span className="app-header__usage" data-testid="my-usage">
            <UsageBar usage={usage} label="Your storage" />
          </span>
        )}
        <ThemeToggle />
        <span className="app-header__user" title={user.email}>
          <span className="visually-hidden">Signed in as </span>
          {user.email}
          {user.role === 'admin' && <span className="role-tag">admin</span>}
        </span>
        <button type="button" className="button button--small" onClick={onSignOut}>
          Sign out
        </button>
      </div>
    </header>
  )
}
