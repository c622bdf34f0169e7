const known: Record<string, string> = {
  'application/pdf': 'PDF',
  'application/zip': 'ZIP archive',
  'application/gzip': 'GZIP archive',
  'application/x-gzip': 'GZIP archive',
  'application/x-tar': 'TAR archive',
  'application/x-7z-compressed': '7z archive',
  'application/vnd.rar': 'RAR archive',
  'application/x-iso9660-image': 'Disk image',
  'application/x-raw-disk-image': 'Disk image',
  'application/octet-stream': 'Binary',
  'application/json': 'JSON',
  'text/plain': 'Text',
  'text/csv': 'CSV',
  'text/markdown': 'Markdown',
}

const kinds: Record<string, string> = { image: 'image', video: 'video', audio: 'audio', text: 'text' }

/** A short kind for a MIME type ("PNG image", "ZIP archive") for scanning a list; the full type is in the tooltip. */
export function fileTypeLabel(mimeType: string): string {
  const exact = known[mimeType.split(';')[0]?.trim() ?? '']
  if (exact) return exact
  const [kind = '', subtype = ''] = mimeType.split('/')
  const short =
    subtype
      .replace(/^(x-|vnd\.)/, '')
      .split(/[+;.-]/)[0]
      ?.toUpperCase() ?? ''
  const noun = kinds[kind]
  if (noun) return short ? `${short} ${noun}` : noun
  return short.length > 0 && short.length <= 8 ? short : 'File'
}
