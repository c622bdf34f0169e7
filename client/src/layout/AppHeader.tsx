import type { User } from '@dropline/contract'
import { ConnectionStatus } from '../realtime/ConnectionStatus'
import type { ConnectionState } from '../realtime/useSocket'
import { ThemeToggle } from '../theme/ThemeToggle'

interface AppHeaderProps {
  user: User
  connection: ConnectionState
  onSignOut: () => void
}

export function AppHeader({ user, connection, onSignOut }: AppHeaderProps) {
  return (
    <header className="app-header">
      <div className="app-header__start">
        <span className="brand">Dropline</span>
        <ConnectionStatus state={connection} />
      </div>
      <div className="app-header__end">
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
