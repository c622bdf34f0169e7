import { useCallback, useMemo, useRef, useState, type ReactNode } from 'react'
import { ToastContext, type Toast, type ToastTone } from './ToastContext'
import { Toasts } from './Toasts'

/** Enough to follow a burst of uploads without burying the page. */
const MAX_VISIBLE = 5
const LIFETIME_MS: Record<ToastTone, number> = { info: 6000, success: 6000, error: 12000 }

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([])
  const nextId = useRef(1)

  const dismiss = useCallback((id: number) => {
    setToasts((current) => current.filter((toast) => toast.id !== id))
  }, [])

  const notify = useCallback(
    (message: string, tone: ToastTone = 'info') => {
      const id = nextId.current++
      setToasts((current) => [...current, { id, message, tone }].slice(-MAX_VISIBLE))
      window.setTimeout(() => dismiss(id), LIFETIME_MS[tone])
    },
    [dismiss],
  )

  const value = useMemo(() => ({ notify }), [notify])
  return (
    <ToastContext.Provider value={value}>
      {children}
      <Toasts toasts={toasts} onDismiss={dismiss} />
    </ToastContext.Provider>
  )
}
