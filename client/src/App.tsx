import { lazy, Suspense } from 'react'
import { AuthProvider } from './auth/AuthProvider'
import { SignInScreen } from './auth/SignInScreen'
import { useAuth } from './auth/useAuth'
import { ToastProvider } from './notifications/ToastProvider'
import { ThemeProvider } from './theme/ThemeProvider'

// Uppy and Socket.IO are most of the bundle; the sign-in screen does not wait for them.
const MainScreen = lazy(() => import('./layout/MainScreen').then((module) => ({ default: module.MainScreen })))

function Screens() {
  const { user } = useAuth()
  if (!user) return <SignInScreen />
  return (
    <Suspense
      fallback={
        <p className="panel__placeholder" role="status">
          Loading Dropline…
        </p>
      }
    >
      {/* Keyed by user so nothing (lists, uploads, the socket) carries over between accounts. */}
      <MainScreen key={user.id} />
    </Suspense>
  )
}

export function App() {
  return (
    <ThemeProvider>
      <ToastProvider>
        <AuthProvider>
          <Screens />
        </AuthProvider>
      </ToastProvider>
    </ThemeProvider>
  )
}
