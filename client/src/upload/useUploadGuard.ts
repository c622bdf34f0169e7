import { useEffect } from 'react'
import type { DroplineUppy } from './createUppy'

/** Asks before leaving the page mid-upload; the upload can resume, but only if the person knows to re-select the file. */
export function useUploadGuard(uppy: DroplineUppy | null): void {
  useEffect(() => {
    if (!uppy) return
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      const uploading = uppy.getFiles().some((file) => file.progress.uploadStarted && !file.progress.uploadComplete && !file.isPaused && !file.error)
      if (uploading) event.preventDefault()
    }
    window.addEventListener('beforeunload', onBeforeUnload)
    return () => window.removeEventListener('beforeunload', onBeforeUnload)
  }, [uppy])
}
