import { useCallback, useEffect, useState } from 'react'

export type Loaded<T> = { status: 'loading' } | { status: 'error'; message: string } | { status: 'ready'; value: T }

/** Loads `load()` whenever its inputs change (a new `load`), cancelling the one before; `reload` asks again. */
export function useLoaded<T>(load: (signal: AbortSignal) => Promise<T>): [Loaded<T>, () => void] {
  const [state, setState] = useState<Loaded<T>>({ status: 'loading' })
  const [round, setRound] = useState(0)
  // biome-ignore lint/correctness/useExhaustiveDependencies: `round` is a trigger: a new round (reload) loads again
  useEffect(() => {
    const controller = new AbortController()
    load(controller.signal).then(
      (value) => setState({ status: 'ready', value }),
      (error: unknown) => {
        if (!controller.signal.aborted) setState({ status: 'error', message: error instanceof Error ? error.message : 'Could not load.' })
      },
    )
    return () => controller.abort()
  }, [load, round])
  const reload = useCallback(() => setRound((n) => n + 1), [])
  return [state, reload]
}
