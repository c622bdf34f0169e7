import type { UploadConfig } from '@dropline/contract'
import { formatBytes } from '../format/formatBytes'
import { formatDuration } from '../format/formatDate'

/** The limits, stated up front so nobody waits through a long upload to hit one. */
export function uploadNote(config: UploadConfig): string {
  const parts = [
    config.maxUploadSize === null ? 'Any size' : `Up to ${formatBytes(config.maxUploadSize)} per file`,
    config.allowedFileTypes === null ? 'any type' : `types: ${config.allowedFileTypes.join(', ')}`,
    `unfinished uploads kept ${formatDuration(config.uploadExpiration)}`,
  ]
  return parts.join(' · ')
}
