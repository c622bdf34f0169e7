import { useContext } from 'react'
import { AuthContext, type AuthContextValue } from './AuthContext'

export function useAuth(): AuthContextValue {
  const value = useContext(AuthContext)
  if (!value) throw new Error('useAuth must be used inside AuthProvider')
  return value
}

/** For screens that only render while signed in. */
export function useSignedInUser() {
  const { user } = useAuth()
  if (!user) throw new Error('useSignedInUser needs a signed-in user')
  return user
}
