import { useId, useState, type FormEvent, type KeyboardEvent } from 'react'
import { messageOf } from '../api/ApiError'
import { ThemeToggle } from '../theme/ThemeToggle'
import { useAuth } from './useAuth'

type Mode = 'login' | 'register'

const MIN_PASSWORD_LENGTH = 8

const modeLabels: Record<Mode, string> = { login: 'Sign in', register: 'Register' }

export function SignInScreen() {
  const { signIn, register, notice } = useAuth()
  const [mode, setMode] = useState<Mode>('login')
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const ids = useId()
  const formId = `${ids}-form`
  const passwordHintId = `${ids}-password-hint`

  const switchMode = (next: Mode) => {
    setMode(next)
    setError(null)
  }

  // Arrow keys move between the two tabs, as the ARIA tabs pattern expects.
  const onTabKeyDown = (event: KeyboardEvent<HTMLButtonElement>) => {
    if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return
    const next: Mode = mode === 'login' ? 'register' : 'login'
    switchMode(next)
    document.getElementById(`${ids}-tab-${next}`)?.focus()
  }

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault()
    if (!email.trim()) {
      setError('Enter your email address.')
      return
    }
    if (!password) {
      setError('Enter your password.')
      return
    }
    if (mode === 'register' && password.length < MIN_PASSWORD_LENGTH) {
      setError(`Choose a password of at least ${MIN_PASSWORD_LENGTH} characters.`)
      return
    }
    setBusy(true)
    setError(null)
    try {
      await (mode === 'login' ? signIn : register)(email.trim(), password)
    } catch (caught) {
      setError(messageOf(caught))
      setBusy(false)
    }
  }

  return (
    <div className="auth-screen">
      <div className="auth-screen__theme">
        <ThemeToggle />
      </div>
      <main className="auth-card">
        <h1 className="brand brand--large">Dropline</h1>
        <p className="auth-card__tagline">Upload very large files. Pause, resume and pick up where you left off.</p>

        <div role="tablist" aria-label="Account" className="segmented">
          {(['login', 'register'] as const).map((value) => (
            <button
              key={value}
              id={`${ids}-tab-${value}`}
              type="button"
              role="tab"
              aria-selected={mode === value}
              aria-controls={formId}
              tabIndex={mode === value ? 0 : -1}
              className="segmented__option"
              onClick={() => switchMode(value)}
              onKeyDown={onTabKeyDown}
            >
              {modeLabels[value]}
            </button>
          ))}
        </div>

        <form id={formId} role="tabpanel" aria-labelledby={`${ids}-tab-${mode}`} className="auth-form" onSubmit={onSubmit} noValidate>
          {notice && !error && (
            <p className="message message--info" role="status">
              {notice}
            </p>
          )}
          <label className="field">
            <span className="field__label">Email</span>
            <input type="email" name="email" autoComplete="email" required value={email} onChange={(event) => setEmail(event.target.value)} />
          </label>
          <label className="field">
            <span className="field__label">Password</span>
            <input
              type="password"
              name="password"
              autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
              required
              minLength={mode === 'register' ? MIN_PASSWORD_LENGTH : undefined}
              aria-describedby={mode === 'register' ? passwordHintId : undefined}
              value={password}
              onChange={(event) => setPassword(event.target.value)}
            />
          </label>
          {mode === 'register' && (
            <p id={passwordHintId} className="field__hint">
              At least {MIN_PASSWORD_LENGTH} characters.
            </p>
          )}
          {error && (
            <p className="message message--error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" className="button button--primary button--block" disabled={busy}>
            {busy ? (mode === 'login' ? 'Signing in…' : 'Creating account…') : modeLabels[mode]}
          </button>
        </form>
      </main>
    </div>
  )
}
