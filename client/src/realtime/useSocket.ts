import { useEffect, useLayoutEffect, useRef, useState } from 'react'
import { io, type Socket } from 'socket.io-client'
import { getAccessToken, refreshAccessToken } from '../api/client'
import {
  SOCKET_AUTH_ERROR_CODES,
  type FileCreatedEvent,
  type FileDeletedEvent,
  type File as FileItem,
  type ServerToClientEvents,
  type ShareDownloadedEvent,
} from '@dropline/contract'

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'offline'

export interface SocketHandlers {
  onFileCreated: (event: FileCreatedEvent) => void
  onFileUpdated: (file: FileItem) => void
  onFileDeleted: (event: FileDeletedEvent) => void
  onShareDownloaded: (event: ShareDownloadedEvent) => void
  /** After a reconnect: events sent while we were away are lost, so state must be reloaded. */
  onResync: () => void
}

/** The server names why it refused the handshake in `data.code`; these mean "get a fresh token". */
const AUTH_CODES = new Set<string>(SOCKET_AUTH_ERROR_CODES)
const isAuthError = (error: Error & { data?: { code?: unknown } }) => typeof error.data?.code === 'string' && AUTH_CODES.has(error.data.code)
/** Back-off for handshakes the server refused for reasons other than the token. */
const REFUSED_RETRY_MS = [2000, 5000, 10000, 30000]

/** One Socket.IO connection for the signed-in screen; it recovers from drops and expired tokens on its own. */
export function useSocket(handlers: SocketHandlers): ConnectionState {
  const handlersRef = useRef(handlers)
  useLayoutEffect(() => {
    handlersRef.current = handlers
  })
  const [state, setState] = useState<ConnectionState>(navigator.onLine ? 'connecting' : 'offline')

  useEffect(() => {
    let lastToken: string | null = null
    let everConnected = false
    let refusedAttempts = 0
    let retryTimer: number | undefined

    const socket: Socket<ServerToClientEvents> = io({
      path: '/socket.io',
      // A function, so every reconnect presents the current token rather than the first one.
      auth: (callback) => {
        getAccessToken().then(
          (token) => {
            lastToken = token
            callback({ token })
          },
          () => callback({}),
        )
      },
    })

    const waiting = (): ConnectionState => (!navigator.onLine ? 'offline' : everConnected ? 'reconnecting' : 'connecting')

    const reconnectLater = (delayMs: number) => {
      window.clearTimeout(retryTimer)
      retryTimer = window.setTimeout(() => socket.connect(), delayMs)
    }

    socket.on('connect', () => {
      refusedAttempts = 0
      setState('connected')
      if (everConnected) handlersRef.current.onResync()
      everConnected = true
    })

    socket.on('disconnect', (reason) => {
      setState(waiting())
      // The server closed the connection on purpose (often an expired token); the client
      // will not retry by itself, and the auth callback will fetch a fresh token.
      if (reason === 'io server disconnect') reconnectLater(1000)
    })

    socket.on('connect_error', (error) => {
      setState(waiting())
      // Transport failures are retried by Socket.IO itself; a refused handshake is not.
      if (socket.active) return
      if (isAuthError(error) && lastToken) {
        refreshAccessToken(lastToken).then(
          () => socket.connect(),
          () => {
            // The session is over; the app is already returning to the sign-in screen.
          },
        )
        return
      }
      const delay = REFUSED_RETRY_MS[Math.min(refusedAttempts++, REFUSED_RETRY_MS.length - 1)] ?? 30000
      reconnectLater(delay)
    })

    socket.on('file:created', (event) => handlersRef.current.onFileCreated(event))
    socket.on('file:updated', (file) => handlersRef.current.onFileUpdated(file))
    socket.on('file:deleted', (event) => handlersRef.current.onFileDeleted(event))
    socket.on('share:downloaded', (event) => handlersRef.current.onShareDownloaded(event))

    const onOffline = () => setState('offline')
    const onOnline = () => {
      setState(socket.connected ? 'connected' : 'reconnecting')
      if (!socket.connected && !socket.active) socket.connect()
    }
    window.addEventListener('offline', onOffline)
    window.addEventListener('online', onOnline)

    return () => {
      window.clearTimeout(retryTimer)
      window.removeEventListener('offline', onOffline)
      window.removeEventListener('online', onOnline)
      socket.disconnect()
    }
  }, [])

  return state
}
