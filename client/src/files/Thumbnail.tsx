import { useEffect, useState } from 'react'
import { fetchThumbnail } from '../api/files'

/** The thumbnail needs the bearer header, so it is fetched and shown from an object URL. */
export function Thumbnail({ fileId, alt, version }: { fileId: string; alt: string; version: string }) {
  const [url, setUrl] = useState<string | null>(null)
  const [failed, setFailed] = useState(false)

  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` is a trigger: a new version (a reprocessed thumbnail) loads the image again
  useEffect(() => {
    const controller = new AbortController()
    let objectUrl: string | null = null
    setFailed(false)
    fetchThumbnail(fileId, controller.signal).then(
      (blob) => {
        objectUrl = URL.createObjectURL(blob)
        setUrl(objectUrl)
      },
      () => {
        if (!controller.signal.aborted) setFailed(true)
      },
    )
    return () => {
      controller.abort()
      if (objectUrl) URL.revokeObjectURL(objectUrl)
      setUrl(null)
    }
    // `version` (the file's updatedAt) refetches after reprocessing replaces the image.
  }, [fileId, version])

  if (failed) return <p className="muted">The preview could not be loaded.</p>
  return (
    <div className="thumbnail" aria-busy={!url}>
      {url && <img src={url} alt={alt} />}
    </div>
  )
}
