import type { ReactNode } from 'react'
import { ThemeToggle } from '../theme/ThemeToggle'
import type { LinkProblemText, PublicLink } from './usePublicLink'

/** The frame of the pages anyone with a link sees: the name, the theme switch and one column. */
export function PublicLayout({ children }: { children: ReactNode }) {
  return (
    <div className="public">
      <header className="app-header public__header">
        <a className="brand public__brand" href="/">
          Dropline
        </a>
        <ThemeToggle />
      </header>
      <main className="public__main">{children}</main>
    </div>
  )
}

interface PublicLinkPageProps<T> {
  link: PublicLink<T>
  /** The link's content, once it has been read. */
  children: (value: T, access: string | null) => ReactNode
}

/** A public link's page: until the link is read, that it is opening, why it cannot be shown, or a failure to retry. */
export function PublicLinkPage<T>({ link, children }: PublicLinkPageProps<T>) {
  const { state } = link
  return (
    <PublicLayout>
      {state.status === 'loading' && (
        <p className="panel__placeholder" role="status">
          Opening the link…
        </p>
      )}
      {state.status === 'gone' && <LinkProblem problem={state.problem} />}
      {state.status === 'error' && (
        <section className="panel public__problem">
          <p className="message message--error" role="alert">
            Couldn’t open the link: {state.message}
          </p>
          <button type="button" className="button" onClick={link.reload}>
            Try again
          </button>
        </section>
      )}
      {state.status === 'ready' && children(state.value, state.access)}
    </PublicLayout>
  )
}

/** A link that no longer works (or never did): what happened, in words, and nothing else to do. */
export function LinkProblem({ problem }: { problem: LinkProblemText }) {
  return (
    <section className="panel public__problem" data-testid={problem.testId} aria-labelledby="problem-title">
      <h1 id="problem-title" className="public__title">
        {problem.title}
      </h1>
      <p className="muted">{problem.text}</p>
    </section>
  )
}
