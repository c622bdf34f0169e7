import { createContext } from 'react'
import type { User } from '@dropline/contract'

export interface AuthContextValue {
  user: User | null
  /** Shown on the sign-in screen after the server ended the session. */
  notice: string | null
  signIn: (email: string, password: string) => Promise<void>
  register: (email: string, password: string) => Promise<void>
  signOut: () => Promise<void>
}

export const AuthContext = createContext<AuthContextValue | null>(null)
