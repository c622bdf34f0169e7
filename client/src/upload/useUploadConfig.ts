import { useCallback, useEffect, useState } from 'react'
import { messageOf } from '../api/ApiError'
import { getUploadConfig, type UploadSettings } from '../api/files'

type ConfigState = { status: 'loading' } | { status: 'ready'; config: UploadSettings } | { status: 'error'; message: string }

export function useUploadConfig(): ConfigState & { retry: () => void } {
  const [state, setState] = useState<ConfigState>({ status: 'loading' })
  const [attempt, setAttempt] = useState(0)

  // biome-ignore lint/correctness/useExhaustiveDependencies: `attempt` is a trigger: a new attempt (retry) fetches the config again
  useEffect(() => {
    const controller = new AbortController()
    setState({ status: 'loading' })
    getUploadConfig(controller.signal).then(
      (config) => setState({ status: 'ready', config }),
      (error: unknown) => {
        if (!controller.signal.aborted) setState({ status: 'error', message: messageOf(error) })
      },
    )
    return () => controller.abort()
  }, [attempt])

  const retry = useCallback(() => setAttempt((n) => n + 1), [])
  return { ...state, retry }
}
