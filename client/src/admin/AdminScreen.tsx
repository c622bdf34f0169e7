import { useState } from 'react'
import { AuditView } from './AuditView'
import { JobsView } from './JobsView'
import { UsersView } from './UsersView'

type Tab = 'users' | 'jobs' | 'audit'

const TABS: Array<[Tab, string]> = [
  ['users', 'Users'],
  ['jobs', 'Jobs'],
  ['audit', 'Audit'],
]

/** The admins' area: accounts, processing jobs and the audit trail. */
export function AdminScreen({ currentUserId }: { currentUserId: string }) {
  const [tab, setTab] = useState<Tab>('users')
  return (
    <div className="admin">
      <h1 className="visually-hidden">Administration</h1>
      <div className="view-tabs" role="tablist" aria-label="Administration">
        {TABS.map(([id, label]) => (
          <button key={id} type="button" role="tab" aria-selected={tab === id} className="view-tabs__tab" onClick={() => setTab(id)}>
            {label}
          </button>
        ))}
      </div>
      {tab === 'users' && <UsersView currentUserId={currentUserId} />}
      {tab === 'jobs' && <JobsView />}
      {tab === 'audit' && <AuditView />}
    </div>
  )
}
