/** "report.pdf", "report.pdf and photo.png" or "report.pdf and 3 more files": a share named by its files. */
export function describeFiles(files: { filename: string }[]): string {
  const [first, second] = files
  if (!first) return 'No files'
  if (!second) return first.filename
  if (files.length === 2) return `${first.filename} and ${second.filename}`
  return `${first.filename} and ${files.length - 1} more files`
}

/** "3 downloads" without a limit, "1 of 5 downloads" with one. */
export function formatDownloads(downloads: number, maxDownloads: number | null): string {
  if (maxDownloads === null) return downloads === 1 ? '1 download' : `${downloads} downloads`
  return `${downloads} of ${maxDownloads} ${maxDownloads === 1 ? 'download' : 'downloads'}`
}

/** A whole number of at least 1 from a form field; null for an empty field; undefined when it is not one. */
export function parsePositiveInt(text: string): number | null | undefined {
  const trimmed = text.trim()
  if (trimmed === '') return null
  if (!/^\d+$/.test(trimmed)) return undefined
  const value = Number(trimmed)
  return value >= 1 && Number.isSafeInteger(value) ? value : undefined
}

export const SIZE_UNITS = { MiB: 2 ** 20, GiB: 2 ** 30 } as const
export type SizeUnit = keyof typeof SIZE_UNITS

/** A size typed as an amount and a unit ("1.5" GiB); null for an empty field, undefined when it is not a size. */
export function parseSize(text: string, unit: SizeUnit): number | null | undefined {
  const trimmed = text.trim().replace(',', '.')
  if (trimmed === '') return null
  if (!/^\d+(\.\d+)?$/.test(trimmed)) return undefined
  const bytes = Math.round(Number(trimmed) * SIZE_UNITS[unit])
  return bytes >= 1 && Number.isSafeInteger(bytes) ? bytes : undefined
}

export const SHARE_PASSWORD_PURPOSE = 'Visitors must enter it before they see the files.'
export const DOWNLOAD_LIMIT_HINT = 'The link stops working after this many downloads (a single file or the ZIP of all counts as one).'
export const DOWNLOAD_LIMIT_PROBLEM = 'The download limit must be a whole number of at least 1, or empty for no limit.'
export const SHARE_NOTE_PLACEHOLDER = 'Shown on the download page'
