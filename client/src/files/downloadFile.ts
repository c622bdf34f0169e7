import { createDownloadLink } from '../api/files'
import type { File as FileItem } from '@dropline/contract'

/**
 * Hands the download to the browser through a signed link, so even a multi-GB file streams to
 * disk (with the browser's own progress and resume) instead of being held in memory.
 */
export async function downloadFile(file: FileItem): Promise<void> {
  const { url } = await createDownloadLink(file.id)
  const link = document.createElement('a')
  link.href = url
  link.download = file.filename
  document.body.append(link)
  link.click()
  link.remove()
}
