import { useCallback, useEffect, useRef, useState } from 'react'
import { messageOf } from '../api/ApiError'

interface Page<T> {
  items: T[]
  nextCursor: string | null
}

export interface CursorList<T> {
  items: T[]
  status: 'loading' | 'ready' | 'error'
  error: string | null
  hasMore: boolean
  loadingMore: boolean
  loadMore: () => void
  reload: () => void
  /** Puts a changed or new item in place (new ones first: the lists are newest first). */
  put: (item: T) => void
  remove: (id: string) => void
  update: (id: string, change: (item: T) => T) => void
}

/** A newest-first list read page by page through `nextCursor`. */
export function useCursorList<T extends { id: string }>(load: (cursor: string | null, signal?: AbortSignal) => Promise<Page<T>>): CursorList<T> {
  const [items, setItems] = useState<T[]>([])
  const [status, setStatus] = useState<CursorList<T>['status']>('loading')
  const [error, setError] = useState<string | null>(null)
  const [loadingMore, setLoadingMore] = useState(false)
  const [round, setRound] = useState(0)
  const cursor = useRef<string | null>(null)
  const [hasMore, setHasMore] = useState(false)

  // biome-ignore lint/correctness/useExhaustiveDependencies: `round` is a trigger: a new round (reload) loads the first page again
  useEffect(() => {
    const controller = new AbortController()
    setStatus('loading')
    setError(null)
    load(null, controller.signal).then(
      (page) => {
        cursor.current = page.nextCursor
        setHasMore(page.nextCursor !== null)
        setItems(page.items)
        setStatus('ready')
      },
      (caught: unknown) => {
        if (controller.signal.aborted) return
        setError(messageOf(caught))
        setStatus('error')
      },
    )
    return () => controller.abort()
  }, [load, round])

  const loadMore = useCallback(() => {
    if (!cursor.current) return
    setLoadingMore(true)
    load(cursor.current).then(
      (page) => {
        cursor.current = page.nextCursor
        setHasMore(page.nextCursor !== null)
        setItems((current) => {
          const known = new Set(current.map((item) => item.id))
          return [...current, ...page.items.filter((item) => !known.has(item.id))]
        })
        setLoadingMore(false)
      },
      (caught: unknown) => {
        setError(messageOf(caught))
        setLoadingMore(false)
      },
    )
  }, [load])

  const reload = useCallback(() => setRound((n) => n + 1), [])
  const put = useCallback((item: T) => {
    setItems((current) =>
      current.some((held) => held.id === item.id) ? current.map((held) => (held.id === item.id ? item : held)) : [item, ...current],
    )
  }, [])
  const remove = useCallback((id: string) => setItems((current) => current.filter((item) => item.id !== id)), [])
  const update = useCallback((id: string, change: (item: T) => T) => {
    setItems((current) => current.map((item) => (item.id === id ? change(item) : item)))
  }, [])

  return { items, status, error, hasMore, loadingMore, loadMore, reload, put, remove, update }
}
