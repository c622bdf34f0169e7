/** The pages anyone with a link may open, without signing in: `/s/<token>` (a share) and `/r/<token>` (a file request). */
export type PublicRoute = { kind: 'share'; token: string } | { kind: 'request'; token: string }

export function publicRouteOf(pathname: string): PublicRoute | null {
  const match = /^\/([sr])\/([^/]+)\/?$/.exec(pathname)
  if (!match?.[2]) return null
  let token: string
  try {
    token = decodeURIComponent(match[2])
  } catch {
    return null
  }
  return { kind: match[1] === 's' ? 'share' : 'request', token }
}

export type PreviewKind = 'image' | 'audio' | 'video' | 'pdf' | 'text'

/**
 * Which preview a shared file gets: the kinds the server serves inline, sandboxed. Active content
 * (SVG, HTML, XML, script) stays an attachment there, so it gets no preview here.
 */
export function previewKindOf(mimeType: string): PreviewKind | null {
  const type = mimeType.toLowerCase().split(';')[0]?.trim() ?? ''
  if (type === 'image/svg+xml' || /html|xml|javascript/.test(type)) return null
  if (type.startsWith('image/')) return 'image'
  if (type.startsWith('audio/')) return 'audio'
  if (type.startsWith('video/')) return 'video'
  if (type === 'application/pdf') return 'pdf'
  if (type.startsWith('text/')) return 'text'
  return null
}
