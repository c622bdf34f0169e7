import type { PreviousUpload, UrlStorage } from 'tus-js-client'

const PREFIX = 'dropline-tus::'

/**
 * tus-js-client's resume entries, namespaced by user. With one shared key space, a second
 * person on the same browser selecting the same file would probe the first person's upload,
 * get a 404 and so delete the entry the first person needs to resume.
 */
export class UserUrlStorage implements UrlStorage {
  readonly #prefix: string

  constructor(userId: string) {
    this.#prefix = `${PREFIX}${userId}::`
  }

  async findAllUploads(): Promise<PreviousUpload[]> {
    return this.#find(this.#prefix)
  }

  async findUploadsByFingerprint(fingerprint: string): Promise<PreviousUpload[]> {
    return this.#find(`${this.#prefix}${fingerprint}::`)
  }

  async removeUpload(urlStorageKey: string): Promise<void> {
    localStorage.removeItem(urlStorageKey)
  }

  async addUpload(fingerprint: string, upload: PreviousUpload): Promise<string> {
    // Not crypto.randomUUID: that needs a secure context, and self-hosted installs may be plain HTTP.
    const unique = `${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`
    const key = `${this.#prefix}${fingerprint}::${unique}`
    localStorage.setItem(key, JSON.stringify(upload))
    return key
  }

  #find(prefix: string): PreviousUpload[] {
    const found: PreviousUpload[] = []
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i)
      if (!key?.startsWith(prefix)) continue
      try {
        const upload = JSON.parse(localStorage.getItem(key) ?? '') as PreviousUpload
        found.push({ ...upload, urlStorageKey: key })
      } catch {
        // A malformed entry must not block uploading; it is simply not offered for resume.
      }
    }
    return found
  }

  /** The fingerprint part of a storage key, to match entries with files already in Uppy. */
  fingerprintOf(urlStorageKey: string): string | null {
    if (!urlStorageKey.startsWith(this.#prefix)) return null
    const rest = urlStorageKey.slice(this.#prefix.length)
    const end = rest.lastIndexOf('::')
    return end === -1 ? null : rest.slice(0, end)
  }
}
