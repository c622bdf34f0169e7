import type { ReactNode } from 'react'
import { ThemeToggle } from '../theme/ThemeToggle'

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

/** A link that no longer works (or never did): what happened, in words, and nothing else to do. */
export function LinkProblem({ title, children, testId }: { title: string; children: ReactNode; testId: string }) {
  return (
    <section className="panel public__problem" data-testid={testId} aria-labelledby="problem-title">
      <h1 id="problem-title" className="public__title">
        {title}
      </h1>
      <p className="muted">{children}</p>
    </section>
  )
}
