export type Theme = 'light' | 'dark'

/** Also read by the inline script in index.html; keep the two in step. */
export const THEME_STORAGE_KEY = 'dropline-theme'

export function readChosenTheme(): Theme | null {
  try {
    const value = localStorage.getItem(THEME_STORAGE_KEY)
    return value === 'light' || value === 'dark' ? value : null
  } catch {
    return null
  }
}

export function storeChosenTheme(theme: Theme): void {
  try {
    localStorage.setItem(THEME_STORAGE_KEY, theme)
  } catch {
    // Storage unavailable (private mode): the choice lasts for this page only.
  }
}

export const darkQuery = '(prefers-color-scheme: dark)'

export function systemTheme(): Theme {
  return window.matchMedia(darkQuery).matches ? 'dark' : 'light'
}
