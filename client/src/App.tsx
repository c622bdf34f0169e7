import { AuthProvider } from './auth/AuthProvider'
import { SignInScreen } from './auth/SignInScreen'
import { useAuth } from './auth/useAuth'
import { MainScreen } from './layout/MainScreen'
import { ToastProvider } from './notifications/ToastProvider'
import { ThemeProvider } from './theme/ThemeProvider'

function Screens() {
  const { user } = useAuth()
  // Keyed by user so nothing (lists, uploads, the socket) carries over between accounts.
  return user ? <MainScreen key={user.id} /> : <SignInScreen />
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
