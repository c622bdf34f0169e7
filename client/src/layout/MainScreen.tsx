import { lazy, Suspense, useCallback, useMemo, useState } from 'react'
import { getMe } from '../api/admin'
import { getFile, type FileQuery } from '../api/files'
import type { FileCreatedEvent, File as FileItem } from '@dropline/contract'
import { getShare } from '../api/shares'
import { useAuth, useSignedInUser } from '../auth/useAuth'
import { FileDetail } from '../files/FileDetail'
import { emptyFilters, type FileFilterValues } from '../files/fileFilters'
import { isOlderCopy } from '../files/fileMatches'
import { FilesPanel } from '../files/FilesPanel'
import { useFileList } from '../files/useFileList'
import { useDebouncedValue } from '../hooks/useDebouncedValue'
import { useToasts } from '../notifications/useToasts'
import { useRelay } from '../realtime/useRelay'
import { useSocket } from '../realtime/useSocket'
import { UploadPanel } from '../upload/UploadPanel'
import { useLoaded } from '../admin/useLoaded'
import { ShareDialog } from '../sharing/ShareDialog'
import type { SharesEvent } from '../sharing/SharesScreen'
import { describeFiles, formatDownloads } from '../sharing/shareText'
import { AppHeader, type View } from './AppHeader'

// Only admins ever open it.
const AdminScreen = lazy(() => import('../admin/AdminScreen').then((module) => ({ default: module.AdminScreen })))
const SharesScreen = lazy(() => import('../sharing/SharesScreen').then((module) => ({ default: module.SharesScreen })))

const SEARCH_DEBOUNCE_MS = 300

export function MainScreen() {
  const user = useSignedInUser()
  const { signOut } = useAuth()
  const { notify } = useToasts()
  const isAdmin = user.role === 'admin'

  const [filters, setFilters] = useState<FileFilterValues>(emptyFilters)
  const search = useDebouncedValue(filters.search.trim(), SEARCH_DEBOUNCE_MS)
  const query = useMemo<FileQuery>(
    () => ({ q: search, type: filters.type, status: filters.status, allOwners: isAdmin && filters.allOwners }),
    [search, filters.type, filters.status, filters.allOwners, isAdmin],
  )
  const list = useFileList(query, user.id)
  const { upsert, remove, reload } = list

  const [selected, setSelected] = useState<FileItem | null>(null)
  const [view, setView] = useState<View>('files')
  const [me, reloadMe] = useLoaded(getMe)
  const [sharing, setSharing] = useState<FileItem[] | null>(null)
  // The Shares view, when open, follows downloads and files received through requests live.
  const sharesEvents = useRelay<SharesEvent>()

  const applyFile = useCallback(
    (file: FileItem) => {
      upsert(file)
      if (file.owner.id === user.id) reloadMe()
      setSelected((current) => (current?.id === file.id && !isOlderCopy(file, current) ? file : current))
      return file
    },
    [upsert, user.id, reloadMe],
  )

  const forgetFile = useCallback(
    (id: string) => {
      remove(id)
      reloadMe()
      setSelected((current) => (current?.id === id ? null : current))
    },
    [remove, reloadMe],
  )

  /** The whole File, put in the list; null when it is gone again or not ours to see. */
  const fetchAndApply = useCallback((id: string) => getFile(id).then(applyFile, () => null), [applyFile])

  const connection = useSocket({
    onFileCreated: (event: FileCreatedEvent) => {
      notify(`${event.owner.id === user.id ? 'You' : event.owner.displayName} uploaded ${event.filename}`)
      if (event.owner.id !== user.id && !query.allOwners) return
      // The event is a summary; the list needs the whole File, which also names the request it came through.
      fetchAndApply(event.id).then((file) => {
        if (file?.request && file.owner.id === user.id) sharesEvents.emit({ type: 'received', requestId: file.request.id })
      })
    },
    onFileUpdated: applyFile,
    onFileDeleted: ({ id }) => forgetFile(id),
    onShareDownloaded: (event) => {
      sharesEvents.emit({ type: 'downloaded', event })
      const what = event.fileId === null ? 'all files as a ZIP' : 'a file'
      // The event names the share by id; its files make the notice readable.
      getShare(event.shareId).then(
        (share) =>
          notify(
            `Someone downloaded ${what} from your link to ${describeFiles(share.files)} (${formatDownloads(event.downloads, share.maxDownloads)})`,
            'info',
          ),
        () => notify(`Someone downloaded ${what} from one of your links`, 'info'),
      )
    },
    onResync: () => {
      reload()
      sharesEvents.emit({ type: 'resync' })
      if (selected) fetchAndApply(selected.id)
    },
  })

  return (
    <div className="app">
      <AppHeader
        user={user}
        usage={me.status === 'ready' ? me.value.usage : null}
        connection={connection}
        view={view}
        isAdmin={isAdmin}
        onViewChange={setView}
        onSignOut={() => void signOut()}
      />
      {view === 'admin' && isAdmin ? (
        <main className="app-main">
          <Suspense fallback={<p className="panel__placeholder">Loading…</p>}>
            <AdminScreen currentUserId={user.id} />
          </Suspense>
        </main>
      ) : view === 'shares' ? (
        <main className="app-main app-main--single">
          <Suspense fallback={<p className="panel__placeholder">Loading…</p>}>
            <SharesScreen subscribe={sharesEvents.subscribe} />
          </Suspense>
        </main>
      ) : (
        <main className="app-main">
          <h1 className="visually-hidden">Your files</h1>
          <UploadPanel userId={user.id} onUploaded={fetchAndApply} />
          <FilesPanel list={list} filters={filters} canViewAll={isAdmin} onFiltersChange={setFilters} onOpen={setSelected} onShare={setSharing} />
        </main>
      )}
      {selected && (
        <FileDetail
          file={selected}
          onClose={() => setSelected(null)}
          onChanged={applyFile}
          onShare={(file) => setSharing([file])}
          onDeleted={(id) => {
            forgetFile(id)
            // The row that opened the dialog is gone, so focus has nowhere natural to return to.
            requestAnimationFrame(() => document.getElementById('files-heading')?.focus())
          }}
        />
      )}
      {sharing && <ShareDialog files={sharing} onClose={() => setSharing(null)} />}
    </div>
  )
}
