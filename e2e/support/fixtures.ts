import { test as base, expect, type BrowserContext, type Page } from '@playwright/test';
import { Api, type Session } from './api.js';
import { browserAvailable, SKIP_NOTICE } from './browser.js';
import { BASE_URL_ENV } from './env.js';

interface Fixtures {
  /** Skips every test, with the notice, when there is no Chromium to drive (and it isn't required). */
  browserCheck: void;
  api: Api;
}

export const test = base.extend<Fixtures>({
  browserCheck: [
    async ({}, use, testInfo) => {
      testInfo.skip(!browserAvailable, SKIP_NOTICE);
      await use();
    },
    { auto: true },
  ],
  baseURL: async ({}, use) => {
    const url = process.env[BASE_URL_ENV];
    // Without a browser no server was started, and browserCheck skips the test.
    if (!url && browserAvailable) throw new Error(`${BASE_URL_ENV} is not set: the global setup did not start the server.`);
    await use(url);
  },
  api: async ({ baseURL }, use) => {
    await use(new Api(baseURL!));
  },
});

export { expect };

/**
 * Puts a session where the client keeps it (localStorage['dropline-session']) before the first
 * page of the context loads, as if the person had signed in earlier. Only once per tab, so
 * reloads see whatever the app itself stored since (a refreshed token, or a sign-out).
 */
export async function storeSession(context: BrowserContext, session: Session): Promise<void> {
  await context.addInitScript(
    (value: string) => {
      if (sessionStorage.getItem('e2e-session-stored')) return;
      sessionStorage.setItem('e2e-session-stored', '1');
      localStorage.setItem('dropline-session', value);
    },
    JSON.stringify({ user: session.user, accessToken: session.accessToken, refreshToken: session.refreshToken }),
  );
}

/** Asks the client to expose its Uppy instance as window.__uppy (see client/README.md). */
export async function exposeUppy(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => localStorage.setItem('dropline-e2e', '1'));
}

/** Sets the stored theme choice before any page loads. */
export async function storeTheme(context: BrowserContext, theme: 'light' | 'dark'): Promise<void> {
  await context.addInitScript((value: string) => localStorage.setItem('dropline-theme', value), theme);
}

/** The access token the signed-in page is using right now. */
export async function pageAccessToken(page: Page): Promise<string> {
  const token = await page.evaluate(() => {
    const raw = localStorage.getItem('dropline-session');
    return raw ? ((JSON.parse(raw) as { accessToken?: string }).accessToken ?? null) : null;
  });
  if (!token) throw new Error('The page has no session in localStorage');
  return token;
}

/** The signed-in screen, loaded and live: the file list is there and the socket is connected. */
export async function openMainScreen(page: Page): Promise<void> {
  await page.goto('/');
  await expect(page.getByTestId('file-list')).toBeVisible();
  await expect(page.getByTestId('connection-state')).toHaveAttribute('data-state', 'connected');
}

/** The Dashboard's own file chooser: click "browse files", answer the chooser with these files. */
export async function chooseFiles(page: Page, files: string | string[] | { name: string; mimeType: string; buffer: Buffer }[]): Promise<void> {
  const panel = page.getByTestId('upload-panel');
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), panel.getByRole('button', { name: 'browse files' }).click()]);
  await chooser.setFiles(files);
}
