import { useCallback, useState } from 'react'
import { messageOf } from '../api/ApiError'

export interface Submit {
  error: string | null
  /** A problem found before sending (a field that does not read), or null to clear it. */
  setError: (error: string | null) => void
  busy: boolean
  /** Runs the sending: busy meanwhile, and its failure becomes the error shown. */
  run: (send: () => Promise<void>) => Promise<void>
}

/** The sending state every form here has: busy while the request runs, and the error it met. */
export function useSubmit(): Submit {
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const run = useCallback(async (send: () => Promise<void>) => {
    setBusy(true)
    setError(null)
    try {
      await send()
    } catch (caught) {
      setError(messageOf(caught))
    } finally {
      setBusy(false)
    }
  }, [])
  return { error, setError, busy, run }
}
