import { useCallback, useState } from 'react'
import { deleteJob, jobStats, listJobs, retryJob } from '../api/admin'
import type { JobState } from '@dropline/contract'
import { formatDateTime } from '../format/formatDate'
import { useToasts } from '../notifications/useToasts'
import { useLoaded } from './useLoaded'

const STATES: JobState[] = ['failed', 'queued', 'processing', 'completed']

export function JobsView() {
  const { notify } = useToasts()
  const [state, setState] = useState<JobState>('failed')
  const loadStats = useCallback((signal: AbortSignal) => jobStats(signal), [])
  const loadJobs = useCallback((signal: AbortSignal) => listJobs(state, signal), [state])
  const [stats, reloadStats] = useLoaded(loadStats)
  const [jobs, reloadJobs] = useLoaded(loadJobs)
  const reload = () => {
    reloadStats()
    reloadJobs()
  }

  const act = async (action: () => Promise<unknown>, done: string) => {
    try {
      await action()
      notify(done)
    } catch (error) {
      notify(error instanceof Error ? error.message : 'That did not work.')
    }
    reload()
  }

  return (
    <section className="panel admin-panel" aria-labelledby="jobs-heading">
      <h2 id="jobs-heading" className="panel__title">
        Jobs
      </h2>
      <div className="admin-stats" role="group" aria-label="Jobs by state">
        {STATES.map((s) => (
          <button
            key={s}
            type="button"
            className={`admin-stats__item${s === state ? ' admin-stats__item--active' : ''}`}
            aria-pressed={s === state}
            onClick={() => setState(s)}
          >
            <span className="admin-stats__count" data-testid={`jobs-${s}`}>
              {stats.status === 'ready' ? stats.value[s] : '…'}
            </span>
            <span className="admin-stats__label">{s}</span>
          </button>
        ))}
        <button type="button" className="button button--small" onClick={reload}>
          Refresh
        </button>
      </div>
      {jobs.status === 'loading' && <p className="panel__placeholder">Loading jobs…</p>}
      {jobs.status === 'error' && (
        <p className="panel__placeholder" role="alert">
          {jobs.message}
        </p>
      )}
      {jobs.status === 'ready' && (
        <ul className="admin-list" data-testid="admin-jobs">
          {jobs.value.items.map((job) => (
            <li key={job.id} className="admin-list__item" data-job={job.id}>
              <div className="admin-list__main">
                <span className="admin-list__name">
                  {job.type} · file {job.fileId}
                </span>
                <span className="admin-list__meta">
                  {job.state} · attempt {job.attempts} of {job.maxAttempts} · {formatDateTime(job.updatedAt)}
                </span>
                {job.lastError && <span className="admin-list__error">{job.lastError}</span>}
              </div>
              <div className="button-row">
                {(job.state === 'failed' || job.state === 'completed') && (
                  <button type="button" className="button button--small" onClick={() => void act(() => retryJob(job.id), 'Job queued again')}>
                    Retry
                  </button>
                )}
                <button
                  type="button"
                  className="button button--small button--danger-quiet"
                  onClick={() => void act(() => deleteJob(job.id), 'Job deleted')}
                >
                  Delete
                </button>
              </div>
            </li>
          ))}
          {jobs.value.items.length === 0 && <li className="panel__placeholder">No {state} jobs.</li>}
        </ul>
      )}
    </section>
  )
}
