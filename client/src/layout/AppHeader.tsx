import type { Usage, User } from '@dropline/contract'
import { UsageBar } from '../admin/UsageBar'
import { ConnectionStatus } from '../realtime/ConnectionStatus'
import type { ConnectionState } from '../realtime/useSocket'
import { ThemeToggle } from '../theme/ThemeToggle'

export type View = 'files' | 'admin'

interface AppHeaderProps {
  user: User
  /** The user's own storage; null until it has loaded. */
  usage: Usage | null
  connection: ConnectionState
  /** The open view, for admins (who can switch to the admin area); null for everyone else. */
  view: View | null
  onViewChange: (view: View) => void
  onSignOut: () => void
}

export function AppHeader({ user, usage, connection, view, onViewChange, onSignOut }: AppHeaderProps) {
  return (
    <header className="app-header">
      <div className="app-header__start">
        <span className="brand">Dropline</span>
        <ConnectionStatus state={connection} />
      </div>
      <div className="app-header__end">
        {view !== null && (
          <button type="button" className="button button--small" aria-pressed={view === 'admin'} onClick={() => onViewChange(view === 'admin' ? 'files' : 'admin')}>
            {view === 'admin' ? 'Files' : 'Admin'}
          </button>
        )}
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
