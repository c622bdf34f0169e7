import { NETWORK_ERROR_MESSAGE, parseErrorBody } from '../api/ApiError'

interface TusErrorResponse {
  status: number
  body?: { xhr?: XMLHttpRequest }
}

/** Turns a tus failure (whose message is a protocol trace) into the server's sentence for a person. */
export function uploadErrorMessage(response: TusErrorResponse | undefined): string {
  if (!response || response.status === 0) return NETWORK_ERROR_MESSAGE
  return parseErrorBody(response.status, response.body?.xhr?.responseText ?? '').message
}
