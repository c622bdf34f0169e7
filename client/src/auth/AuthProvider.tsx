import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react'
import { apiJson, authenticate, signOut as endSession } from '../api/client'
import { getSession, setSession, subscribeSession } from '../api/tokenStore'
import type { User } from '@dropline/contract'
import { AuthContext } from './AuthContext'

function sameUser(a: User, b: User): boolean {
  return a.id === b.id && a.email === b.email && a.role === b.role && a.displayName === b.displayName
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null>(() => getSession()?.user ?? null)
  const [notice, setNotice] = useState<string | null>(null)

  useEffect(
    () =>
      subscribeSession((session, reason) => {
        // Token refreshes also land here; keep the same user object so the app does not re-render.
        const next = session?.user ?? null
        setUser((current) => (current && next && sameUser(current, next) ? current : next))
        if (session) setNotice(null)
        else if (reason === 'expired') setNotice('Your session has ended. Please sign in again.')
      }),
    [],
  )

  // A stored session may be stale (role changed, account removed): confirm it once on load.
  const userId = user?.id
  useEffect(() => {
    if (!userId) return
    apiJson<User>('/api/auth/me').then(
      (me) => {
        const session = getSession()
        if (session && session.user.id === me.id) setSession({ ...session, user: me })
      },
      () => {
        // A 401 has already ended the session in the API client; offline keeps the stored user.
      },
    )
  }, [userId])

  const signIn = useCallback((email: string, password: string) => authenticate('login', email, password), [])
  const register = useCallback((email: string, password: string) => authenticate('register', email, password), [])
  const signOut = useCallback(() => endSession(), [])

  const value = useMemo(() => ({ user, notice, signIn, register, signOut }), [user, notice, signIn, register, signOut])
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>
}
