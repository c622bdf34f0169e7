import { formatRelative } from '../format/formatDate'

/** The expiry choices offered for shares, file requests and files; `never` sends null. */
export const EXPIRY_PRESETS = [
  { id: '1h', label: '1 hour', seconds: 3600 },
  { id: '1d', label: '1 day', seconds: 86_400 },
  { id: '7d', label: '7 days', seconds: 7 * 86_400 },
  { id: '30d', label: '30 days', seconds: 30 * 86_400 },
  { id: 'never', label: 'Never', seconds: null },
] as const

export type ExpiryPreset = (typeof EXPIRY_PRESETS)[number]['id']

/** `keep` leaves the current expiry as it is (when editing). */
export type ExpiryChoice = ExpiryPreset | 'keep'

/** The ISO time a preset ends at, counted from `now`; null for `never`. */
export function expiryFromPreset(preset: ExpiryPreset, now: Date = new Date()): string | null {
  const found = EXPIRY_PRESETS.find((option) => option.id === preset)
  if (!found || found.seconds === null) return null
  return new Date(now.getTime() + found.seconds * 1000).toISOString()
}

/** The `expiresAt` to send for a choice: an ISO time, null for never, undefined to leave it out (keep). */
export function expiryToSend(choice: ExpiryChoice, now: Date = new Date()): string | null | undefined {
  return choice === 'keep' ? undefined : expiryFromPreset(choice, now)
}

/** "Expires in 3 days", "Expired 2 hours ago" or "Never expires". */
export function formatExpiry(expiresAt: string | null, now: Date = new Date()): string {
  if (!expiresAt) return 'Never expires'
  const at = new Date(expiresAt)
  if (Number.isNaN(at.getTime())) return 'Never expires'
  return at.getTime() <= now.getTime() ? `Expired ${formatRelative(at, now)}` : `Expires ${formatRelative(at, now)}`
}

export function isExpired(expiresAt: string | null, now: Date = new Date()): boolean {
  return expiresAt !== null && Date.parse(expiresAt) <= now.getTime()
}
