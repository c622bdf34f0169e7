/**
 * Unlock tokens, kept for this tab only (sessionStorage) so a reload does not ask for the password
 * again, and dropped once they expire.
 */
const key = (kind: string, token: string) => `dropline-access::${kind}::${token}`

export function readAccess(kind: 'share' | 'request', token: string): string | null {
  try {
    const raw = sessionStorage.getItem(key(kind, token))
    if (!raw) return null
    const { accessToken, expiresAt } = JSON.parse(raw) as { accessToken?: unknown; expiresAt?: unknown }
    if (typeof accessToken !== 'string' || typeof expiresAt !== 'string' || Date.parse(expiresAt) <= Date.now()) return null
    return accessToken
  } catch {
    return null
  }
}

export function storeAccess(kind: 'share' | 'request', token: string, access: { accessToken: string; expiresAt: string }): void {
  try {
    sessionStorage.setItem(key(kind, token), JSON.stringify(access))
  } catch {
    // Storage unavailable: the unlock lasts for this page only.
  }
}

export function forgetAccess(kind: 'share' | 'request', token: string): void {
  try {
    sessionStorage.removeItem(key(kind, token))
  } catch {
    // Nothing stored, nothing to forget.
  }
}
