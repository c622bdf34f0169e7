import type { FileRequestAccess, PublicFileRequest, PublicShare, UnlockResponse } from '@dropline/contract'
import { ApiError, errorFromResponse, NETWORK_ERROR_MESSAGE } from './ApiError'

/** Calls for people without an account: no session, no refresh; a capability in the path and maybe an unlock token. */
async function publicJson<T>(path: string, init: RequestInit = {}): Promise<T> {
  let res: Response
  try {
    res = await fetch(path, init)
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error
    throw new ApiError(0, 'network_error', NETWORK_ERROR_MESSAGE)
  }
  if (!res.ok) throw await errorFromResponse(res)
  return (await res.json()) as T
}

const sharePath = (token: string) => `/api/public/shares/${encodeURIComponent(token)}`
const requestPath = (token: string) => `/api/public/requests/${encodeURIComponent(token)}`
const bearer = (accessToken: string | null): HeadersInit => (accessToken ? { Authorization: `Bearer ${accessToken}` } : {})
const unlockInit = (password: string): RequestInit => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ password }),
})

export function getPublicShare(token: string, accessToken: string | null, signal?: AbortSignal): Promise<PublicShare> {
  return publicJson<PublicShare>(sharePath(token), { headers: bearer(accessToken), signal })
}

export function unlockShare(token: string, password: string): Promise<UnlockResponse> {
  return publicJson<UnlockResponse>(`${sharePath(token)}/unlock`, unlockInit(password))
}

/**
 * A link the browser downloads (or previews) by itself, streaming to disk with its own progress and
 * resume; the unlock token rides in `?access=` because a plain link cannot send a header.
 */
export function shareFileUrl(token: string, fileId: string, accessToken: string | null, inline = false): string {
  const params = new URLSearchParams()
  if (accessToken) params.set('access', accessToken)
  if (inline) params.set('inline', '1')
  const query = params.toString()
  return `${sharePath(token)}/files/${encodeURIComponent(fileId)}${query ? `?${query}` : ''}`
}

export function shareZipUrl(token: string, accessToken: string | null): string {
  return `${sharePath(token)}/zip${accessToken ? `?access=${encodeURIComponent(accessToken)}` : ''}`
}

export function getPublicRequest(token: string, signal?: AbortSignal): Promise<PublicFileRequest> {
  return publicJson<PublicFileRequest>(requestPath(token), { signal })
}

export function unlockRequest(token: string, password: string): Promise<FileRequestAccess> {
  return publicJson<FileRequestAccess>(`${requestPath(token)}/unlock`, unlockInit(password))
}

/** The tus `Authorization` for uploads through a request: its token, plus the unlock token when it has a password. */
export function requestAuthorization(token: string, accessToken: string | null): string {
  return `Request ${token}${accessToken ? `:${accessToken}` : ''}`
}
