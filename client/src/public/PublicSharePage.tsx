import type { PublicShare, PublicShareFile } from '@dropline/contract'
import { useEffect, useState } from 'react'
import { getPublicShare, shareFileUrl, shareZipUrl, unlockShare } from '../api/publicLinks'
import { fileTypeLabel } from '../files/fileTypeLabel'
import { formatBytes } from '../format/formatBytes'
import { FilePreview } from './FilePreview'
import { LinkCard } from './LinkCard'
import { PublicLinkPage } from './PublicLayout'
import { previewKindOf } from './publicRoute'
import { usePublicLink, type LinkProblems } from './usePublicLink'

const PROBLEMS: LinkProblems = {
  notFound: {
    title: 'This link doesn’t work',
    text: 'It may have been revoked by the person who shared it, or mistyped. Ask them for a new link.',
    testId: 'share-not-found',
  },
  expired: {
    title: 'This link has expired',
    text: 'The files were shared for a limited time, and that time is over. Ask the person who shared them for a new link.',
    testId: 'share-expired',
  },
  usedUp: {
    title: 'This link has been used up',
    text: 'It allowed a set number of downloads, and they have all been made. Ask the person who shared the files for a new link.',
    testId: 'share-used-up',
  },
}

/** `/s/<token>`: the files someone shared, for anyone with the link. */
export function PublicSharePage({ token }: { token: string }) {
  const link = usePublicLink({ kind: 'share', token, read: getPublicShare, unlock: unlockShare, problems: PROBLEMS })
  const [previewing, setPreviewing] = useState<PublicShareFile | null>(null)

  useEffect(() => {
    document.title = 'Shared files · Dropline'
  }, [])

  return (
    <PublicLinkPage link={link}>
      {(share, access) => (
        <>
          <LinkCard
            testId="public-share"
            title={`${share.owner.displayName} shared files with you`}
            note={share.note}
            expiresAt={share.expiresAt}
            noun="link"
            neverExpires="This link does not expire."
            locked={share.requiresPassword && access === null}
            unlock={link.unlock}
          >
            <ShareFiles token={token} share={share} access={access} onPreview={setPreviewing} />
          </LinkCard>
          {previewing && <FilePreview file={previewing} url={shareFileUrl(token, previewing.id, access, true)} onClose={() => setPreviewing(null)} />}
        </>
      )}
    </PublicLinkPage>
  )
}

interface ShareFilesProps {
  token: string
  share: PublicShare
  access: string | null
  onPreview: (file: PublicShareFile) => void
}

function ShareFiles({ token, share, access, onPreview }: ShareFilesProps) {
  const total = share.files.reduce((sum, file) => sum + file.size, 0)
  if (share.files.length === 0) return <p className="empty-state">The shared files have since been deleted.</p>
  return (
    <>
      <div className="public__summary">
        <span>
          {share.files.length === 1 ? '1 file' : `${share.files.length} files`} · {formatBytes(total)}
        </span>
        {share.files.length > 1 && (
          <a className="button button--primary" href={shareZipUrl(token, access)} download data-testid="download-all">
            Download all (ZIP)
          </a>
        )}
      </div>
      <ul className="public-files" aria-label="Shared files">
        {share.files.map((file) => (
          <li key={file.id} className="public-files__item" data-testid="public-file">
            <div className="public-files__main">
              <span className="public-files__name">{file.filename}</span>
              <span className="muted public-files__meta">
                {formatBytes(file.size)} · {fileTypeLabel(file.mimeType)}
              </span>
            </div>
            <div className="button-row">
              {previewKindOf(file.mimeType) && (
                <button type="button" className="button button--small" onClick={() => onPreview(file)} aria-label={`Preview ${file.filename}`}>
                  Preview
                </button>
              )}
              <a
                className="button button--small"
                href={shareFileUrl(token, file.id, access)}
                download={file.filename}
                aria-label={`Download ${file.filename}`}
              >
                Download
              </a>
            </div>
          </li>
        ))}
      </ul>
    </>
  )
}
