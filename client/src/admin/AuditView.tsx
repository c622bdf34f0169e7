import { useCallback, useState } from 'react'
import { listAudit, type AuditFilter } from '../api/admin'
import { formatDateTime } from '../format/formatDate'
import { useDebouncedValue } from '../hooks/useDebouncedValue'
import { useLoaded } from './useLoaded'

const ACTIONS = ['auth.', 'auth.login', 'auth.login_failed', 'file.', 'share.', 'request.', 'user.', 'job.retry']

export function AuditView() {
  const [filter, setFilter] = useState<AuditFilter>({ actor: '', action: '', from: '', to: '' })
  const settled = useDebouncedValue(filter, 300)
  const load = useCallback((signal: AbortSignal) => listAudit(settled, null, signal), [settled])
  const [entries] = useLoaded(load)
  const set = (key: keyof AuditFilter) => (event: { target: { value: string } }) => setFilter((f) => ({ ...f, [key]: event.target.value }))

  return (
    <section className="panel admin-panel" aria-labelledby="audit-heading">
      <h2 id="audit-heading" className="panel__title">
        Audit log
      </h2>
      <div className="admin-filters">
        <label className="field">
          <span className="field__label">User (email or id)</span>
          <input type="search" value={filter.actor} onChange={set('actor')} />
        </label>
        <label className="field">
          <span className="field__label">Action</span>
          <select value={filter.action} onChange={set('action')}>
            <option value="">Any</option>
            {ACTIONS.map((a) => (
              <option key={a} value={a}>
                {a.endsWith('.') ? `${a}*` : a}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field__label">From</span>
          <input type="date" value={filter.from} onChange={set('from')} />
        </label>
        <label className="field">
          <span className="field__label">To</span>
          <input type="date" value={filter.to} onChange={set('to')} />
        </label>
      </div>
      {entries.status === 'loading' && <p className="panel__placeholder">Loading…</p>}
      {entries.status === 'error' && (
        <p className="panel__placeholder" role="alert">
          {entries.message}
        </p>
      )}
      {entries.status === 'ready' && (
        <ul className="admin-list" data-testid="admin-audit">
          {entries.value.items.map((e) => (
            <li key={e.id} className="admin-list__item">
              <div className="admin-list__main">
                <span className="admin-list__name">{e.action}</span>
                <span className="admin-list__meta">
                  {formatDateTime(e.at)} · {e.actor?.email ?? 'system or anonymous'}
                  {e.targetType && ` · ${e.targetType} ${e.targetId ?? ''}`}
                  {e.ip && ` · ${e.ip}`}
                </span>
                {e.details && Object.keys(e.details).length > 0 && <code className="admin-list__details">{JSON.stringify(e.details)}</code>}
              </div>
            </li>
          ))}
          {entries.value.items.length === 0 && <li className="panel__placeholder">Nothing recorded for these filters.</li>}
        </ul>
      )}
    </section>
  )
}
