import { ApiError, errorFromResponse, NETWORK_ERROR_MESSAGE } from './ApiError'
import { tokenExpiry } from './tokenExpiry'
import { clearSession, getSession, reloadSession, setSession } from './tokenStore'
import type { AuthResponse } from '@dropline/contract'

/** Refresh this long before the access token expires, so no request goes out with a dying token. */
const REFRESH_MARGIN_MS = 60_000

const SESSION_ENDED = 'Your session has ended. Please sign in again.'

function isFresh(token: string): boolean {
  const expiry = tokenExpiry(token)
  // An unreadable token is sent as is; the server's 401 then drives a refresh.
  return expiry === null || expiry - Date.now() > REFRESH_MARGIN_MS
}

async function send(path: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(path, init)
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error
    throw new ApiError(0, 'network_error', NETWORK_ERROR_MESSAGE)
  }
}

let refreshInFlight: Promise<string> | null = null

/**
 * Exchanges the refresh token for new tokens. Refresh tokens are single use and presenting a
 * spent one revokes the whole login, so every caller in this tab shares one request and tabs
 * take turns through a Web Lock (where the browser offers one).
 */
export function refreshAccessToken(rejectedToken: string): Promise<string> {
  refreshInFlight ??= withRefreshLock(() => performRefresh(rejectedToken)).finally(() => {
    refreshInFlight = null
  })
  return refreshInFlight
}

function withRefreshLock<T>(task: () => Promise<T>): Promise<T> {
  if (typeof navigator !== 'undefined' && navigator.locks) {
    // The lock is held until the task's promise settles; the DOM typings miss that unwrapping.
    return navigator.locks.request('dropline-token-refresh', task) as unknown as Promise<T>
  }
  return task()
}

async function performRefresh(rejectedToken: string): Promise<string> {
  const session = reloadSession()
  if (!session) throw new ApiError(401, 'signed_out', SESSION_ENDED)
  // Another tab may already have refreshed while we waited for the lock.
  if (session.accessToken !== rejectedToken && isFresh(session.accessToken)) {
    return session.accessToken
  }
  const res = await send('/api/auth/refresh', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ refreshToken: session.refreshToken }),
  })
  if (res.status === 400 || res.status === 401) {
    clearSession('expired')
    throw new ApiError(401, 'session_expired', SESSION_ENDED)
  }
  if (!res.ok) throw await errorFromResponse(res)
  const tokens = (await res.json()) as { accessToken: string; refreshToken: string }
  setSession({ ...session, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken })
  return tokens.accessToken
}

/** A token good for at least the next minute, refreshing first when needed. */
export async function getAccessToken(): Promise<string> {
  if (refreshInFlight) return refreshInFlight
  const session = getSession()
  if (!session) throw new ApiError(401, 'signed_out', SESSION_ENDED)
  if (isFresh(session.accessToken)) return session.accessToken
  return refreshAccessToken(session.accessToken)
}

export interface RequestOptions {
  method?: string
  json?: unknown
  signal?: AbortSignal
  headers?: Record<string, string>
}

function buildInit(token: string, { method = 'GET', json, signal, headers: extra }: RequestOptions): RequestInit {
  const headers: Record<string, string> = { ...extra, Authorization: `Bearer ${token}` }
  if (json !== undefined) headers['Content-Type'] = 'application/json'
  return { method, headers, body: json === undefined ? undefined : JSON.stringify(json), signal }
}

/** An authenticated request: one refresh and one retry on 401; throws ApiError unless 2xx. */
export async function authorizedFetch(path: string, options: RequestOptions = {}): Promise<Response> {
  const token = await getAccessToken()
  let res = await send(path, buildInit(token, options))
  if (res.status === 401) {
    const fresh = await refreshAccessToken(token)
    res = await send(path, buildInit(fresh, options))
    if (res.status === 401) {
      clearSession('expired')
      throw new ApiError(401, 'session_expired', SESSION_ENDED)
    }
  }
  if (!res.ok) throw await errorFromResponse(res)
  return res
}

export async function apiJson<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const res = await authorizedFetch(path, options)
  // 202 and 204 answers may have no body.
  const text = await res.text()
  return (text ? JSON.parse(text) : undefined) as T
}

export async function authenticate(mode: 'login' | 'register', email: string, password: string): Promise<void> {
  const res = await send(`/api/auth/${mode}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password }),
  })
  if (!res.ok) throw await errorFromResponse(res)
  const { user, accessToken, refreshToken } = (await res.json()) as AuthResponse
  setSession({ user, accessToken, refreshToken })
}

/** Revokes the login on the server when it can be reached; the local session ends either way. */
export async function signOut(): Promise<void> {
  try {
    const token = await getAccessToken()
    const refreshToken = getSession()?.refreshToken
    await send('/api/auth/logout', {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ refreshToken }),
      keepalive: true,
    })
  } catch {
    // Offline or already expired: nothing more to revoke from here.
  } finally {
    clearSession('signed-out')
  }
}
