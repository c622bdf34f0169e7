import type { ReactNode } from 'react'
import { formatExpiry } from '../forms/expiry'
import { formatDateTime } from '../format/formatDate'
import { UnlockForm } from './UnlockForm'

interface LinkCardProps {
  testId: string
  /** A line above the title: "Ann asks you for files". */
  kicker?: string
  title: string
  /** The owner's words to the visitor. */
  note: string | null
  expiresAt: string | null
  /** What the link is, for the expiry line and the password prompt: "link", "request". */
  noun: string
  /** The expiry line when there is none. */
  neverExpires: string
  /** The link has a password and this tab has not given it yet: the prompt stands in for the content. */
  locked: boolean
  unlock: (password: string) => Promise<void>
  children: ReactNode
}

/** What a public link is about (title, note, how long it lasts), then its password prompt or its content. */
export function LinkCard({ testId, kicker, title, note, expiresAt, noun, neverExpires, locked, unlock, children }: LinkCardProps) {
  return (
    <section className="panel public__card" aria-labelledby={`${testId}-title`} data-testid={testId}>
      <div className="public__intro">
        {kicker && <p className="muted">{kicker}</p>}
        <h1 id={`${testId}-title`} className="public__title">
          {title}
        </h1>
        {note && <p className="public__note">{note}</p>}
        <p className="muted" title={formatDateTime(expiresAt)}>
          {expiresAt ? `This ${noun} ${formatExpiry(expiresAt).toLowerCase()}.` : neverExpires}
        </p>
      </div>
      {locked ? <UnlockForm what={`This ${noun}`} unlock={unlock} /> : children}
    </section>
  )
}
