import { useCallback, useEffect, useState } from 'react'
import { ApiError, messageOf } from '../api/ApiError'
import { forgetAccess, readAccess, storeAccess } from './accessStore'

/** A page for a link that does not work (any more): its heading, what happened, and the hook for tests. */
export interface LinkProblemText {
  title: string
  text: string
  testId: string
}

/** The pages a kind of link shows instead of its content; `usedUp` only where downloads are counted. */
export interface LinkProblems {
  notFound: LinkProblemText
  expired: LinkProblemText
  usedUp?: LinkProblemText
}

export type PublicLinkState<T> =
  | { status: 'loading' }
  | { status: 'gone'; problem: LinkProblemText }
  | { status: 'error'; message: string }
  | { status: 'ready'; value: T; access: string | null }

export interface PublicLink<T> {
  state: PublicLinkState<T>
  /** Reads the link again (retry, after an upload). */
  reload: () => void
  /** Trades the password for an access token, kept for this tab, and reads the link with it. */
  unlock: (password: string) => Promise<void>
  /** The access token was refused (expired): forget it, so the page asks for the password again. */
  accessRefused: () => void
}

interface PublicLinkOptions<T> {
  kind: 'share' | 'request'
  token: string
  /** These three are read once per link: pass functions and objects that stay the same (module-level ones). */
  read: (token: string, access: string | null, signal: AbortSignal) => Promise<T>
  unlock: (token: string, password: string) => Promise<{ accessToken: string; expiresAt: string }>
  problems: LinkProblems
}

/** The page a link that answered with this error shows instead; null for errors worth retrying. */
export function problemOf(error: unknown, problems: LinkProblems): LinkProblemText | null {
  if (!(error instanceof ApiError)) return null
  if (error.status === 404) return problems.notFound
  if (error.code === 'download_limit_reached' && problems.usedUp) return problems.usedUp
  if (error.status === 410) return problems.expired
  return null
}

/** Reads a public link (`/s/…`, `/r/…`) with the access token this tab holds for it, and unlocks it. */
export function usePublicLink<T>({ kind, token, read, unlock, problems }: PublicLinkOptions<T>): PublicLink<T> {
  const [state, setState] = useState<PublicLinkState<T>>({ status: 'loading' })
  const [round, setRound] = useState(0)

  // biome-ignore lint/correctness/useExhaustiveDependencies: `round` is a trigger: a new round (retry, unlock, a finished upload) reads the link again
  useEffect(() => {
    const controller = new AbortController()
    const access = readAccess(kind, token)
    read(token, access, controller.signal).then(
      (value) => setState({ status: 'ready', value, access }),
      (error: unknown) => {
        if (controller.signal.aborted) return
        // An unlock that has run out: ask for the password again.
        if (access && error instanceof ApiError && error.status === 401) {
          forgetAccess(kind, token)
          setRound((n) => n + 1)
          return
        }
        const problem = problemOf(error, problems)
        if (problem) return setState({ status: 'gone', problem })
        // A failed re-read with the same access (offline mid-upload, say) keeps the page, and any uploads on it, as they are.
        setState((current) => (current.status === 'ready' && current.access === access ? current : { status: 'error', message: messageOf(error) }))
      },
    )
    return () => controller.abort()
  }, [kind, token, read, problems, round])

  const reload = useCallback(() => setRound((n) => n + 1), [])
  const unlockLink = useCallback(
    async (password: string) => {
      storeAccess(kind, token, await unlock(token, password))
      setRound((n) => n + 1)
    },
    [kind, token, unlock],
  )
  const accessRefused = useCallback(() => {
    forgetAccess(kind, token)
    setRound((n) => n + 1)
  }, [kind, token])

  return { state, reload, unlock: unlockLink, accessRefused }
}
