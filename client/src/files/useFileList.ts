import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react'
import { messageOf } from '../api/ApiError'
import { listFiles, type FileQuery } from '../api/files'
import type { File as FileItem } from '@dropline/contract'
import { fileMatches, isOlderCopy, newestFirst } from './fileMatches'

export interface FileListState {
  items: FileItem[]
  nextCursor: string | null
  status: 'loading' | 'ready' | 'error'
  error: string | null
  loadingMore: boolean
}

export interface FileList extends FileListState {
  loadMore: () => void
  reload: () => void
  /** Repeats whichever request failed: the first page or the next one. */
  retry: () => void
  /** Applies a file that changed elsewhere: inserted, replaced or dropped as the filters say. */
  upsert: (file: FileItem) => void
  remove: (id: string) => void
}

const initialState: FileListState = { items: [], nextCursor: null, status: 'loading', error: null, loadingMore: false }

export function useFileList(query: FileQuery, viewerId: string): FileList {
  const [state, setState] = useState<FileListState>(initialState)
  const [generation, setGeneration] = useState(0)
  const queryKey = JSON.stringify(query)
  // Callbacks stay stable for socket handlers yet read the latest filters and cursor.
  const live = useRef({ query, queryKey, viewerId, nextCursor: state.nextCursor })
  useLayoutEffect(() => {
    live.current = { query, queryKey, viewerId, nextCursor: state.nextCursor }
  })

  // biome-ignore lint/correctness/useExhaustiveDependencies: `generation` is a trigger: a new generation (reload, resync) fetches the list again
  useEffect(() => {
    const controller = new AbortController()
    // Keep showing the current rows while the new page loads, so live reloads do not flicker.
    setState((current) => ({ ...current, status: 'loading', error: null }))
    listFiles(live.current.query, null, controller.signal).then(
      (page) => setState({ items: page.items, nextCursor: page.nextCursor, status: 'ready', error: null, loadingMore: false }),
      (error: unknown) => {
        if (controller.signal.aborted) return
        setState((current) => ({ ...current, status: 'error', error: messageOf(error) }))
      },
    )
    return () => controller.abort()
  }, [queryKey, generation])

  const loadMore = useCallback(() => {
    const { query: requested, queryKey: requestedKey, nextCursor } = live.current
    if (!nextCursor) return
    setState((current) => ({ ...current, loadingMore: true, error: null }))
    listFiles(requested, nextCursor).then(
      (page) => {
        // The filters changed while this page was on its way: it belongs to another list.
        if (live.current.queryKey !== requestedKey) return
        setState((current) => {
          const known = new Set(current.items.map((file) => file.id))
          const fresh = page.items.filter((file) => !known.has(file.id))
          return { ...current, items: [...current.items, ...fresh], nextCursor: page.nextCursor, loadingMore: false }
        })
      },
      (error: unknown) => {
        if (live.current.queryKey !== requestedKey) return
        setState((current) => ({ ...current, loadingMore: false, error: messageOf(error) }))
      },
    )
  }, [])

  const reload = useCallback(() => setGeneration((n) => n + 1), [])

  const failedMore = state.error !== null && state.status === 'ready'
  const retry = failedMore ? loadMore : reload

  const upsert = useCallback((file: FileItem) => {
    const { query: current, viewerId: viewer } = live.current
    setState((list) => {
      const held = list.items.find((item) => item.id === file.id)
      if (held && isOlderCopy(file, held)) return list
      const without = list.items.filter((item) => item.id !== file.id)
      if (!fileMatches(current, file, viewer)) {
        return without.length === list.items.length ? list : { ...list, items: without }
      }
      const last = list.items.at(-1)
      // Past the last loaded row, the file turns up with "Load more" instead.
      const withinLoadedRange = list.nextCursor === null || !last || newestFirst(file, last) <= 0
      if (without.length === list.items.length && !withinLoadedRange) return list
      return { ...list, items: [...without, file].sort(newestFirst) }
    })
  }, [])

  const remove = useCallback((id: string) => {
    setState((list) => ({ ...list, items: list.items.filter((item) => item.id !== id) }))
  }, [])

  return { ...state, loadMore, reload, retry, upsert, remove }
}
