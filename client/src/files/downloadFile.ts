import { fetchFileContent } from '../api/files'
import type { FileItem } from '../api/types'

/** Saves through an object URL because the content endpoint needs the bearer header. */
export async function downloadFile(file: FileItem): Promise<void> {
  const blob = await fetchFileContent(file.id)
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = file.filename
  document.body.append(link)
  link.click()
  link.remove()
  // Revoking straight away can cancel the save in some browsers.
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000)
}
