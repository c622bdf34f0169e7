import { useId, useState, type FormEvent } from 'react'
import { ApiError, messageOf } from '../api/ApiError'

interface UnlockFormProps {
  what: string
  unlock: (password: string) => Promise<void>
}

/** The password prompt of a protected link. */
export function UnlockForm({ what, unlock }: UnlockFormProps) {
  const id = useId()
  const [password, setPassword] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault()
    if (!password) return setError('Enter the password.')
    setBusy(true)
    setError(null)
    try {
      await unlock(password)
    } catch (caught) {
      setError(caught instanceof ApiError && caught.status === 401 ? 'That password is not right. Try again.' : messageOf(caught))
      setBusy(false)
    }
  }

  return (
    <form className="unlock" onSubmit={onSubmit} noValidate data-testid="unlock-form">
      <p>{what} is protected by a password.</p>
      <div className="field">
        <label className="field__label" htmlFor={id}>
          Password
        </label>
        {/* biome-ignore lint/a11y/noAutofocus: the password is all a locked link page asks for */}
        <input id={id} type="password" autoComplete="off" autoFocus value={password} onChange={(event) => setPassword(event.target.value)} />
      </div>
      {error && (
        <p className="message message--error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="button button--primary" disabled={busy}>
        {busy ? 'Checking…' : 'Unlock'}
      </button>
    </form>
  )
}
