import { lazy, Suspense } from 'react'
import { AuthProvider } from './auth/AuthProvider'
import { SignInScreen } from './auth/SignInScreen'
import { useAuth } from './auth/useAuth'
import { ToastProvider } from './notifications/ToastProvider'
import { publicRouteOf } from './public/publicRoute'
import { ThemeProvider } from './theme/ThemeProvider'

// Uppy and Socket.IO are most of the bundle; the sign-in screen does not wait for them.
const MainScreen = lazy(() => import('./layout/MainScreen').then((module) => ({ default: module.MainScreen })))
const PublicSharePage = lazy(() => import('./public/PublicSharePage').then((module) => ({ default: module.PublicSharePage })))
const PublicRequestPage = lazy(() => import('./public/PublicRequestPage').then((module) => ({ default: module.PublicRequestPage })))

const loading = (
  <p className="panel__placeholder" role="status">
    Loading Dropline…
  </p>
)

function Screens() {
  const { user } = useAuth()
  if (!user) return <SignInScreen />
  return (
    <Suspense fallback={loading}>
      {/* Keyed by user so nothing (lists, uploads, the socket) carries over between accounts. */}
      <MainScreen key={user.id} />
    </Suspense>
  )
}

/** Links anyone may open (`/s/…`, `/r/…`) need no account; every other path is the signed-in app. */
function Route() {
  const route = publicRouteOf(window.location.pathname)
  if (route) {
    return (
      <Suspense fallback={loading}>
        {route.kind === 'share' ? <PublicSharePage token={route.token} /> : <PublicRequestPage token={route.token} />}
      </Suspense>
    )
  }
  return (
    <AuthProvider>
      <Screens />
    </AuthProvider>
  )
}

export function App() {
  return (
    <ThemeProvider>
      <ToastProvider>
        <Route />
      </ToastProvider>
    </ThemeProvider>
  )
}
