import type { File } from '@dropline/contract'
import { describe, expect, it } from 'vitest'
import { parseErrorBody, messageOf, ApiError } from '../src/api/ApiError'
import { tokenExpiry } from '../src/api/tokenExpiry'
import { hasActiveFilters, emptyFilters } from '../src/files/fileFilters'
import { fileMatches, isOlderCopy, newestFirst } from '../src/files/fileMatches'
import { fileTypeLabel } from '../src/files/fileTypeLabel'
import { formatBytes } from '../src/format/formatBytes'
import { formatDuration, formatRelative } from '../src/format/formatDate'

const file = (over: Partial<File> = {}): File => ({
  id: 'f1',
  filename: 'Report Q1.pdf',
  size: 10,
  mimeType: 'application/pdf',
  title: 'Quarterly',
  description: null,
  status: 'processed',
  sha256: null,
  extracted: null,
  error: null,
  createdAt: '2026-01-02T00:00:00.000Z',
  updatedAt: '2026-01-02T00:00:00.000Z',
  processedAt: null,
  expiresAt: null,
  owner: { id: 'alice', email: 'alice@example.com', displayName: 'alice' },
  request: null,
  ...over,
})
const query = { q: '', type: '', status: '' as const, allOwners: false }

describe('live list merging', () => {
  it('applies the server filter rules to files that arrive by event', () => {
    expect(fileMatches(query, file(), 'alice')).toBe(true)
    expect(fileMatches(query, file(), 'bob')).toBe(false)
    expect(fileMatches({ ...query, allOwners: true }, file(), 'bob')).toBe(true)
    expect(fileMatches({ ...query, q: 'report' }, file(), 'alice')).toBe(true)
    expect(fileMatches({ ...query, q: 'QUARTER' }, file(), 'alice')).toBe(true)
    expect(fileMatches({ ...query, q: 'nothing' }, file(), 'alice')).toBe(false)
    expect(fileMatches({ ...query, type: 'application/' }, file(), 'alice')).toBe(true)
    expect(fileMatches({ ...query, type: 'image/' }, file(), 'alice')).toBe(false)
    expect(fileMatches({ ...query, type: 'application/pdf' }, file(), 'alice')).toBe(true)
    expect(fileMatches({ ...query, status: 'failed' }, file(), 'alice')).toBe(false)
  })

  it('orders newest first and never lets an older copy replace a newer one', () => {
    const older = file({ id: 'a', createdAt: '2026-01-01T00:00:00.000Z' })
    const newer = file({ id: 'b', createdAt: '2026-01-03T00:00:00.000Z' })
    expect([older, newer].sort(newestFirst).map((f) => f.id)).toEqual(['b', 'a'])
    const stale = file({ status: 'uploaded', updatedAt: '2026-01-02T00:00:00.000Z' })
    const fresh = file({ status: 'processed', updatedAt: '2026-01-02T00:00:05.000Z' })
    expect(isOlderCopy(stale, fresh)).toBe(true)
    expect(isOlderCopy(fresh, stale)).toBe(false)
    expect(isOlderCopy(fresh, fresh)).toBe(false)
  })
})

describe('token expiry', () => {
  const jwt = (payload: object) => `h.${btoa(JSON.stringify(payload)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}.s`
  it('reads exp in milliseconds, or null when it cannot', () => {
    expect(tokenExpiry(jwt({ sub: 'u', exp: 1700000000 }))).toBe(1700000000000)
    expect(tokenExpiry(jwt({ sub: 'u' }))).toBeNull()
    expect(tokenExpiry(jwt({ exp: 'soon' }))).toBeNull()
    expect(tokenExpiry('not-a-jwt')).toBeNull()
    expect(tokenExpiry('a.%%%.b')).toBeNull()
  })
})

describe('error parsing', () => {
  it("keeps the server's code and message", () => {
    const error = parseErrorBody(400, JSON.stringify({ error: { code: 'invalid_title', message: 'The title must be at most 200 characters long.' } }))
    expect(error).toBeInstanceOf(ApiError)
    expect([error.status, error.code, error.message]).toEqual([400, 'invalid_title', 'The title must be at most 200 characters long.'])
  })
  it('falls back to a sentence per status for bodies that are not ours', () => {
    expect(parseErrorBody(413, '<html>nginx</html>')).toMatchObject({ code: 'http_413', message: 'That file is larger than the server accepts.' })
    expect(parseErrorBody(502, '')).toMatchObject({ code: 'http_502', message: expect.stringMatching(/problem/) })
    expect(parseErrorBody(418, '{"error":{}}').message).toBe('The request failed (HTTP 418).')
    expect(messageOf(new Error('boom'))).toBe('boom')
    expect(messageOf('weird')).toMatch(/Something went wrong/)
  })
})

describe('filters', () => {
  it('knows when any filter is active', () => {
    expect(hasActiveFilters(emptyFilters)).toBe(false)
    expect(hasActiveFilters({ ...emptyFilters, search: 'x' })).toBe(true)
    expect(hasActiveFilters({ ...emptyFilters, status: 'failed' })).toBe(true)
  })
})

describe('formatters', () => {
  it('formats sizes in binary units', () => {
    expect(formatBytes(0)).toBe('0 bytes')
    expect(formatBytes(1)).toBe('1 byte')
    expect(formatBytes(1536)).toBe('1.5 KiB')
    expect(formatBytes(50 * 1024 ** 3)).toBe('50 GiB')
    expect(formatBytes(-1)).toBe('—')
    expect(formatBytes(Number.NaN)).toBe('—')
  })
  it('formats durations and relative times', () => {
    expect(formatDuration(86400)).toBe('1 day')
    expect(formatDuration(7200)).toBe('2 hours')
    expect(formatDuration(90)).toBe('90 seconds')
    const now = new Date('2026-01-02T12:00:00Z')
    expect(formatRelative(new Date('2026-01-02T11:59:30Z'), now)).toMatch(/30 seconds ago/)
    expect(formatRelative(new Date('2026-01-02T14:00:00Z'), now)).toMatch(/in 2 hours/)
  })
  it('labels file types for people', () => {
    expect(fileTypeLabel('application/pdf')).toBe('PDF')
    expect(fileTypeLabel('application/x-iso9660-image')).toBe('Disk image')
  })
})
