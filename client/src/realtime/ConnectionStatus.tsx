import type { ConnectionState } from './useSocket'

const labels: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
}

const explanations: Record<ConnectionState, string> = {
  connecting: 'Connecting to live updates',
  connected: 'The file list updates live',
  reconnecting: 'Connection lost; the list will catch up when it returns',
  offline: 'Live updates resume when your connection returns',
}

export function ConnectionStatus({ state }: { state: ConnectionState }) {
  return (
    <span className={`connection connection--${state}`} data-testid="connection-state" data-state={state} role="status" title={explanations[state]}>
      <span className="connection__dot" aria-hidden="true" />
      <span className="connection__label">{labels[state]}</span>
    </span>
  )
}
