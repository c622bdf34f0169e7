import { useContext } from 'react'
import { ToastContext, type ToastContextValue } from './ToastContext'

export function useToasts(): ToastContextValue {
  const value = useContext(ToastContext)
  if (!value) throw new Error('useToasts must be used inside ToastProvider')
  return value
}
