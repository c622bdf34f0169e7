import { useState } from 'react'

export interface Relay<T> {
  emit: (event: T) => void
  /** Returns the unsubscribe. */
  subscribe: (listener: (event: T) => void) => () => void
}

/** Passes events on to whoever listens at the moment (a view that is open); both functions stay the same for the component's life. */
export function useRelay<T>(): Relay<T> {
  const [relay] = useState<Relay<T>>(() => {
    const listeners = new Set<(event: T) => void>()
    return {
      emit: (event) => {
        for (const listener of listeners) listener(event)
      },
      subscribe: (listener) => {
        listeners.add(listener)
        return () => {
          listeners.delete(listener)
        }
      },
    }
  })
  return relay
}
