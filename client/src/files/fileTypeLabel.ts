/** A short kind for a MIME type, e.g. "PNG image" for image/png, for scanning a list. */
export function fileTypeLabel(mimeType: string): string {
  const [kind, subtype = ''] = mimeType.split('/')
  const sub = subtype.replace(/^x-/, '').replace(/^vnd\./, '').split(/[+;.]/)[0]?.toUpperCase() ?? ''
  switch (kind) {
    case 'image':
      return `${sub} image`
    case 'video':
      return `${sub} video`
    case 'audio':
      return `${sub} audio`
    case 'text':
      return sub === 'PLAIN' ? 'Text' : `${sub} text`
    default:
      return sub || mimeType || 'Unknown'
  }
}
