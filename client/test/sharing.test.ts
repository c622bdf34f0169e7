import { describe, expect, it } from 'vitest'
import { publicRouteOf, previewKindOf } from '../src/public/publicRoute'
import { ApiError } from '../src/api/ApiError'
import { changedFrom, onlyChanged } from '../src/forms/changes'
import { EXPIRY_PRESETS, expiryFromPreset, expiryToSend, formatExpiry, isExpired } from '../src/forms/expiry'
import { NO_PASSWORD, passwordProblem, passwordToSend } from '../src/forms/password'
import { problemOf, type LinkProblems } from '../src/public/usePublicLink'
import { describeFiles, formatDownloads, parsePositiveInt, parseSize } from '../src/sharing/shareText'

const now = new Date('2026-11-27T12:00:00.000Z')

describe('expiry presets', () => {
  it('turn into ISO times counted from now, and never into null', () => {
    expect(expiryFromPreset('1h', now)).toBe('2026-11-27T13:00:00.000Z')
    expect(expiryFromPreset('1d', now)).toBe('2026-11-28T12:00:00.000Z')
    expect(expiryFromPreset('7d', now)).toBe('2026-12-04T12:00:00.000Z')
    expect(expiryFromPreset('30d', now)).toBe('2026-12-27T12:00:00.000Z')
    expect(expiryFromPreset('never', now)).toBeNull()
  })

  it('send a time, null for never, or nothing when the current expiry is kept', () => {
    expect(expiryToSend('1d', now)).toBe('2026-11-28T12:00:00.000Z')
    expect(expiryToSend('never', now)).toBeNull()
    expect(expiryToSend('keep', now)).toBeUndefined()
  })

  it('offer the five choices in order', () => {
    expect(EXPIRY_PRESETS.map((preset) => preset.label)).toEqual(['1 hour', '1 day', '7 days', '30 days', 'Never'])
  })

  it('describe an expiry relative to now', () => {
    expect(formatExpiry(null, now)).toBe('Never expires')
    expect(formatExpiry('2026-11-30T12:00:00.000Z', now)).toBe('Expires in 3 days')
    expect(formatExpiry('2026-11-27T13:00:00.000Z', now)).toBe('Expires in 1 hour')
    expect(formatExpiry('2026-11-27T10:00:00.000Z', now)).toBe('Expired 2 hours ago')
    expect(isExpired('2026-11-27T11:59:59.000Z', now)).toBe(true)
    expect(isExpired('2026-11-27T12:00:01.000Z', now)).toBe(false)
    expect(isExpired(null, now)).toBe(false)
  })
})

describe('share text', () => {
  it('names a share by its files', () => {
    expect(describeFiles([])).toBe('No files')
    expect(describeFiles([{ filename: 'a.png' }])).toBe('a.png')
    expect(describeFiles([{ filename: 'a.png' }, { filename: 'b.txt' }])).toBe('a.png and b.txt')
    expect(describeFiles([{ filename: 'a.png' }, { filename: 'b.txt' }, { filename: 'c.pdf' }])).toBe('a.png and 2 more files')
  })

  it('counts downloads with and without a limit', () => {
    expect(formatDownloads(0, null)).toBe('0 downloads')
    expect(formatDownloads(1, null)).toBe('1 download')
    expect(formatDownloads(1, 1)).toBe('1 of 1 download')
    expect(formatDownloads(2, 5)).toBe('2 of 5 downloads')
  })

  it('reads limits typed into the forms', () => {
    expect(parsePositiveInt('')).toBeNull()
    expect(parsePositiveInt(' 3 ')).toBe(3)
    expect(parsePositiveInt('0')).toBeUndefined()
    expect(parsePositiveInt('1.5')).toBeUndefined()
    expect(parsePositiveInt('-2')).toBeUndefined()
    expect(parseSize('', 'GiB')).toBeNull()
    expect(parseSize('1', 'GiB')).toBe(2 ** 30)
    expect(parseSize('1.5', 'MiB')).toBe(1.5 * 2 ** 20)
    expect(parseSize('2,5', 'MiB')).toBe(2.5 * 2 ** 20)
    expect(parseSize('lots', 'MiB')).toBeUndefined()
    expect(parseSize('0', 'MiB')).toBeUndefined()
  })
})

describe('form values', () => {
  it('send a password only when one is typed, null when it is to be removed', () => {
    expect(passwordToSend(NO_PASSWORD)).toBeUndefined()
    expect(passwordToSend({ text: 'open sesame', remove: false })).toBe('open sesame')
    expect(passwordToSend({ text: 'typed first', remove: true })).toBeNull()
  })

  it('refuse a password shorter than the minimum, but not an empty or removed one', () => {
    expect(passwordProblem(NO_PASSWORD, 4)).toBeNull()
    expect(passwordProblem({ text: 'abcd', remove: false }, 4)).toBeNull()
    expect(passwordProblem({ text: 'abc', remove: false }, 4)).toBe('Choose a password of at least 4 characters, or leave it empty.')
    expect(passwordProblem({ text: 'abc', remove: true }, 4)).toBeNull()
  })

  it('keep only the fields that change, so an edit sends nothing else', () => {
    expect(changedFrom('same', 'same')).toBeUndefined()
    expect(changedFrom(null, 5)).toBeNull()
    expect(changedFrom('', 'a note')).toBe('')
    expect(onlyChanged({ title: undefined, note: '', maxDownloads: null, expiresAt: '2026-12-01T00:00:00.000Z' })).toEqual({
      note: '',
      maxDownloads: null,
      expiresAt: '2026-12-01T00:00:00.000Z',
    })
    expect(Object.keys(onlyChanged({ title: undefined, password: undefined }))).toEqual([])
  })
})

describe('public links', () => {
  const problem = (testId: string) => ({ title: testId, text: testId, testId })
  const shareProblems: LinkProblems = { notFound: problem('not-found'), expired: problem('expired'), usedUp: problem('used-up') }
  const requestProblems: LinkProblems = { notFound: problem('not-found'), expired: problem('expired') }

  it('show a page of their own for links that are gone, and leave other failures to retry', () => {
    expect(problemOf(new ApiError(404, 'not_found', 'No such share.'), shareProblems)?.testId).toBe('not-found')
    expect(problemOf(new ApiError(410, 'share_expired', 'Expired.'), shareProblems)?.testId).toBe('expired')
    expect(problemOf(new ApiError(410, 'download_limit_reached', 'Used up.'), shareProblems)?.testId).toBe('used-up')
    expect(problemOf(new ApiError(410, 'request_expired', 'Expired.'), requestProblems)?.testId).toBe('expired')
    expect(problemOf(new ApiError(0, 'network_error', 'Offline.'), shareProblems)).toBeNull()
    expect(problemOf(new ApiError(500, 'internal', 'Oops.'), shareProblems)).toBeNull()
    expect(problemOf(new Error('boom'), shareProblems)).toBeNull()
  })

  it('recognises share and request pages by path', () => {
    expect(publicRouteOf('/s/abc123')).toEqual({ kind: 'share', token: 'abc123' })
    expect(publicRouteOf('/r/xyz_-9/')).toEqual({ kind: 'request', token: 'xyz_-9' })
    expect(publicRouteOf('/')).toBeNull()
    expect(publicRouteOf('/s/')).toBeNull()
    expect(publicRouteOf('/s/a/b')).toBeNull()
    expect(publicRouteOf('/shares')).toBeNull()
    expect(publicRouteOf('/s/%E0%A4%A')).toBeNull()
  })

  it('previews only the kinds the server serves inline, never SVG', () => {
    expect(previewKindOf('image/png')).toBe('image')
    expect(previewKindOf('image/svg+xml')).toBeNull()
    expect(previewKindOf('audio/mpeg')).toBe('audio')
    expect(previewKindOf('video/mp4')).toBe('video')
    expect(previewKindOf('application/pdf')).toBe('pdf')
    expect(previewKindOf('text/plain; charset=utf-8')).toBe('text')
    expect(previewKindOf('text/csv')).toBe('text')
    expect(previewKindOf('text/html')).toBeNull()
    expect(previewKindOf('text/xml')).toBeNull()
    expect(previewKindOf('text/javascript')).toBeNull()
    expect(previewKindOf('application/zip')).toBeNull()
  })
})
