import '@uppy/core/css/style.min.css'
import '@uppy/dashboard/css/style.min.css'
import Dashboard from '@uppy/react/dashboard'
import { useEffect, useMemo, useRef, useState } from 'react'
import type { UploadSettings } from '../api/files'
import { useToasts } from '../notifications/useToasts'
import { useTheme } from '../theme/useTheme'
import { createUppy, type DroplineUppy } from './createUppy'
import { exposeForE2e } from './exposeForE2e'
import { UnfinishedUploads } from './UnfinishedUploads'
import { uploadNote } from './uploadNote'
import { useUploadConfig } from './useUploadConfig'
import { useUploadGuard } from './useUploadGuard'
import { UserUrlStorage } from './userUrlStorage'
import { metaFields } from './metaFields'

interface UploadPanelProps {
  userId: string
  onUploaded: (fileId: string) => void
}

export function UploadPanel({ userId, onUploaded }: UploadPanelProps) {
  const configState = useUploadConfig()

  return (
    <section className="panel upload-panel" data-testid="upload-panel" aria-labelledby="upload-heading">
      <h2 id="upload-heading" className="panel__title">
        Upload
      </h2>
      {configState.status === 'loading' && (
        <p className="panel__placeholder" role="status">
          Loading upload settings…
        </p>
      )}
      {configState.status === 'error' && (
        <div className="message message--error" role="alert">
          <p>Uploads are unavailable: {configState.message}</p>
          <button type="button" className="button button--small" onClick={configState.retry}>
            Try again
          </button>
        </div>
      )}
      {configState.status === 'ready' && <UploadDashboard config={configState.config} userId={userId} onUploaded={onUploaded} />}
    </section>
  )
}

interface UploadDashboardProps {
  config: UploadSettings
  userId: string
  onUploaded: (fileId: string) => void
}

function UploadDashboard({ config, userId, onUploaded }: UploadDashboardProps) {
  const { theme } = useTheme()
  const { notify } = useToasts()
  const [uppy, setUppy] = useState<DroplineUppy | null>(null)
  const urlStorage = useMemo(() => new UserUrlStorage(userId), [userId])
  const onUploadedRef = useRef(onUploaded)
  useEffect(() => {
    onUploadedRef.current = onUploaded
  })

  // Created in an effect (not during render) so StrictMode's extra mount gets its own instance
  // and destroys it cleanly.
  useEffect(() => {
    const instance = createUppy({
      config,
      urlStorage,
      onUploaded: (fileId) => onUploadedRef.current(fileId),
      onError: (message) => notify(message, 'error'),
    })
    setUppy(instance)
    const hide = exposeForE2e(instance)
    return () => {
      hide()
      instance.destroy()
    }
  }, [config, urlStorage, notify])

  useUploadGuard(uppy)

  if (!uppy) return null
  return (
    <>
      <Dashboard
        uppy={uppy}
        theme={theme}
        width="100%"
        height={400}
        metaFields={metaFields}
        note={uploadNote(config)}
        proudlyDisplayPoweredByUppy={false}
        showRemoveButtonAfterComplete
      />
      <UnfinishedUploads uppy={uppy} urlStorage={urlStorage} expirationSeconds={config.uploadExpiration} />
    </>
  )
}
