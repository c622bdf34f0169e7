import type { DroplineUppy } from './createUppy'

declare global {
  interface Window {
    __uppy?: DroplineUppy
  }
}

/**
 * Playwright adds files through the real Uppy instance (a file chooser cannot produce multi-GB
 * inputs cheaply). Exposed only in development or when a test sets `dropline-e2e` to '1'.
 */
export function exposeForE2e(uppy: DroplineUppy): () => void {
  if (!import.meta.env.DEV && localStorage.getItem('dropline-e2e') !== '1') return () => undefined
  window.__uppy = uppy
  return () => {
    if (window.__uppy === uppy) delete window.__uppy
  }
}
