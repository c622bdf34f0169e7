/** An API failure carrying a message that is safe and meant to be shown to the person. */
export class ApiError extends Error {
  readonly status: number
  readonly code: string

  constructor(status: number, code: string, message: string) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
  }
}

const fallbackMessages: Record<number, string> = {
  400: 'That request was not accepted. Please check what you entered.',
  401: 'Your session has ended. Please sign in again.',
  403: 'You do not have permission to do that.',
  404: 'That file no longer exists.',
  409: 'That conflicts with something that already exists.',
  413: 'That file is larger than the server accepts.',
  415: 'That type of file is not accepted.',
  429: 'Too many requests. Please wait a moment and try again.',
}

export const NETWORK_ERROR_MESSAGE = 'Can’t reach Dropline. Check your connection and try again.'

/** Reads the server's `{"error":{"code","message"}}` body, falling back to a sentence per status. */
export function parseErrorBody(status: number, body: string): ApiError {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } }
    const { code, message } = parsed.error ?? {}
    if (typeof message === 'string' && message.length > 0) {
      return new ApiError(status, typeof code === 'string' ? code : 'error', message)
    }
  } catch {
    // Not JSON (a proxy's HTML error page, say): use the generic sentence below.
  }
  const message =
    fallbackMessages[status] ??
    (status >= 500 ? 'Dropline ran into a problem. Please try again in a moment.' : `The request failed (HTTP ${status}).`)
  return new ApiError(status, 'http_' + status, message)
}

export async function errorFromResponse(res: Response): Promise<ApiError> {
  const body = await res.text().catch(() => '')
  return parseErrorBody(res.status, body)
}

export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.message
  if (error instanceof Error && error.message) return error.message
  return 'Something went wrong. Please try again.'
}
