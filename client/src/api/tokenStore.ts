import type { User } from '@dropline/contract'

export interface Session {
  user: User
  accessToken: string
  refreshToken: string
}

/** Why a session ended: the person signed out, or the server stopped honouring it. */
export type EndReason = 'signed-out' | 'expired'

type Listener = (session: Session | null, reason?: EndReason) => void

const STORAGE_KEY = 'dropline-session'

function readStored(): Session | null {
  try {
    const raw = localStorage.getItem(STORAGE_KEY)
    if (!raw) return null
    const parsed = JSON.parse(raw) as Partial<Session>
    if (parsed.user && typeof parsed.accessToken === 'string' && typeof parsed.refreshToken === 'string') {
      return parsed as Session
    }
  } catch {
    // Corrupt or inaccessible storage: treat as signed out.
  }
  return null
}

let current: Session | null = readStored()
const listeners = new Set<Listener>()

function notify(reason?: EndReason): void {
  for (const listener of listeners) listener(current, reason)
}

export function getSession(): Session | null {
  return current
}

/**
 * Re-reads storage. Another tab may have refreshed in the meantime, spending the refresh
 * token this tab holds in memory; the storage event that would tell us can arrive late.
 */
export function reloadSession(): Session | null {
  current = readStored()
  return current
}

export function setSession(session: Session): void {
  current = session
  localStorage.setItem(STORAGE_KEY, JSON.stringify(session))
  notify()
}

export function clearSession(reason: EndReason): void {
  if (!current && !localStorage.getItem(STORAGE_KEY)) return
  current = null
  localStorage.removeItem(STORAGE_KEY)
  notify(reason)
}

export function subscribeSession(listener: Listener): () => void {
  listeners.add(listener)
  return () => {
    listeners.delete(listener)
  }
}

window.addEventListener('storage', (event) => {
  if (event.key !== STORAGE_KEY && event.key !== null) return
  const wasSignedIn = current !== null
  current = readStored()
  notify(wasSignedIn && !current ? 'signed-out' : undefined)
})
