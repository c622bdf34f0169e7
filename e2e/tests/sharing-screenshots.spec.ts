import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FileRequest, Share } from '@dropline/contract';
import type { Browser, Page } from '@playwright/test';
import type { Session } from '../support/api.js';
import { expect, openMainScreen, storeSession, storeTheme, test } from '../support/fixtures.js';
import { samplePng } from '../support/samples.js';

const SHOTS = fileURLToPath(new URL('../artifacts/screenshots/', import.meta.url));
const THEMES = ['light', 'dark'] as const;
const WIDTHS = [1280, 375] as const;

async function newContext(browser: Browser, theme: (typeof THEMES)[number], width: number) {
  const context = await browser.newContext({
    viewport: { width, height: width === 1280 ? 800 : 812 },
    ...(width < 600 ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
  });
  await storeTheme(context, theme);
  return context;
}

async function shoot(page: Page, name: string, fullPage = true): Promise<void> {
  await page.screenshot({ path: `${SHOTS}${name}.png`, fullPage, animations: 'disabled', caret: 'hide' });
}

// Pictures of the sharing screens (a file's expiry, the share dialog and the share edit dialog, the Shares view, the public share and request
// pages and their error pages), in both themes and on a phone, for a person to look at.
test('screenshots of the sharing screens in both themes', async ({ browser, api, baseURL }) => {
  test.setTimeout(420_000);
  mkdirSync(SHOTS, { recursive: true });

  const user = await api.newUser('share-screens');
  const files = [
    { name: 'harbour-at-dusk.png', type: 'image/png', data: samplePng() },
    { name: 'packing-list.txt', type: 'text/plain', data: Buffer.from('tent\nstove\nmap\nwater filter\n'.repeat(50)) },
    { name: 'expedition-budget-final-reviewed-2026.csv', type: 'text/csv', data: Buffer.from('item,cost\n' + 'rope,12\n'.repeat(300)) },
  ];
  const ids: string[] = [];
  for (const file of files) {
    const id = await api.tusUpload(user.accessToken, file);
    await api.waitForProcessing(user.accessToken, id);
    ids.push(id);
  }
  const inADay = new Date(Date.now() + 86_400_000).toISOString();
  const locked = await api.post<Share>(user.accessToken, '/api/shares', {
    fileIds: ids,
    password: 'open sesame',
    maxDownloads: 50,
    note: 'Everything for Saturday. The list is the one that matters.',
    expiresAt: inADay,
  });
  const open = await api.post<Share>(user.accessToken, '/api/shares', { fileIds: [ids[0]] });
  const usedUp = await api.post<Share>(user.accessToken, '/api/shares', { fileIds: [ids[1]], maxDownloads: 1 });
  const usedUpToken = usedUp.url.split('/').pop()!;
  const spent = await fetch(new URL(`/api/public/shares/${usedUpToken}/files/${ids[1]}`, baseURL));
  expect(spent.status).toBe(200);
  await spent.arrayBuffer();
  const request = await api.post<FileRequest>(user.accessToken, '/api/requests', {
    title: 'Scans for the archive',
    message: 'Photos of the old maps, please: any size is fine.',
    maxFiles: 10,
    maxBytes: 5 * 2 ** 30,
    expiresAt: inADay,
  });
  const path = (url: string) => new URL(url).pathname;

  for (const theme of THEMES) {
    for (const width of WIDTHS) {
      const suffix = width === 1280 ? theme : `${theme}-${width}`;
      const signedIn = await newContext(browser, theme, width);
      await storeSession(signedIn, user as Session);
      const main = await signedIn.newPage();
      await openMainScreen(main);
      await main.getByRole('button', { name: `${files[2]!.name}: show details` }).click();
      const detail = main.getByRole('dialog');
      const fileExpiry = detail.getByLabel('Expires after');
      await fileExpiry.selectOption('30d');
      await detail.getByRole('button', { name: 'Save changes' }).scrollIntoViewIfNeeded();
      await shoot(main, `file-expiry-${suffix}`, false);
      await main.keyboard.press('Escape');
      await expect(detail).toBeHidden();
      await main.getByRole('checkbox', { name: `Select ${files[0]!.name}` }).check();
      await main.getByRole('checkbox', { name: `Select ${files[1]!.name}` }).check();
      await shoot(main, `files-selected-${suffix}`);
      await main.getByTestId('selection-bar').getByRole('button', { name: 'Share 2 files' }).click();
      const dialog = main.getByTestId('share-dialog');
      await dialog.getByLabel('Password (optional)').fill('secret');
      await dialog.getByLabel('Download limit (optional)').fill('3');
      await shoot(main, `share-dialog-${suffix}`, false);
      await dialog.getByRole('button', { name: 'Create link' }).click();
      await expect(dialog.getByRole('img', { name: 'QR code of the share link' })).toBeVisible();
      await shoot(main, `share-link-${suffix}`, false);
      await main.keyboard.press('Escape');

      await main.getByRole('button', { name: 'Shares', exact: true }).click();
      await expect(main.getByTestId('share-item').first()).toBeVisible();
      await expect(main.getByTestId('request-item')).toHaveCount(1);
      await shoot(main, `shares-${suffix}`);
      await main.getByRole('button', { name: `Edit the share of ${files[0]!.name} and 2 more files` }).click();
      await expect(main.getByTestId('share-edit-dialog').getByLabel('Remove the password')).toBeVisible();
      await shoot(main, `share-edit-dialog-${suffix}`, false);
      await main.keyboard.press('Escape');
      await main.getByRole('button', { name: 'New file request' }).click();
      await main.getByTestId('request-dialog').getByLabel('Title').fill('Receipts for October');
      await shoot(main, `request-dialog-${suffix}`, false);
      await main.keyboard.press('Escape');
      await signedIn.close();

      const visitor = await newContext(browser, theme, width);
      const guest = await visitor.newPage();
      await guest.goto(path(locked.url));
      await expect(guest.getByTestId('unlock-form')).toBeVisible();
      await shoot(guest, `public-share-locked-${suffix}`);
      await guest.getByLabel('Password').fill('open sesame');
      await guest.getByRole('button', { name: 'Unlock' }).click();
      await expect(guest.getByTestId('public-file')).toHaveCount(files.length);
      await shoot(guest, `public-share-${suffix}`);
      await guest.getByRole('button', { name: `Preview ${files[0]!.name}` }).click();
      const image = guest.getByTestId('file-preview').getByRole('img');
      await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
      await shoot(guest, `public-preview-image-${suffix}`, false);
      await guest.keyboard.press('Escape');
      await guest.getByRole('button', { name: `Preview ${files[1]!.name}` }).click();
      await expect(guest.getByTestId('file-preview').getByText('water filter').first()).toBeVisible();
      await shoot(guest, `public-preview-text-${suffix}`, false);
      await guest.keyboard.press('Escape');

      await guest.goto(path(open.url));
      await expect(guest.getByTestId('public-file')).toHaveCount(1);
      await shoot(guest, `public-share-one-${suffix}`);
      await guest.goto(path(usedUp.url));
      await expect(guest.getByTestId('share-used-up')).toBeVisible();
      await shoot(guest, `public-share-used-up-${suffix}`);
      await guest.goto('/s/no-such-link-at-all');
      await expect(guest.getByTestId('share-not-found')).toBeVisible();
      await shoot(guest, `public-share-not-found-${suffix}`);

      await guest.goto(path(request.url));
      await expect(guest.getByTestId('request-upload')).toBeVisible();
      await expect(guest.locator('.uppy-Dashboard')).toBeVisible();
      await shoot(guest, `public-request-${suffix}`);
      await guest.getByLabel('Your name (optional)').fill('Rosa');
      const [chooser] = await Promise.all([
        guest.waitForEvent('filechooser'),
        guest.getByTestId('request-upload').getByRole('button', { name: 'browse files' }).click(),
      ]);
      await chooser.setFiles({ name: `map-${theme}-${width}.txt`, mimeType: 'text/plain', buffer: Buffer.from('an old map\n'.repeat(100)) });
      await guest.getByTestId('request-upload').getByRole('button', { name: 'Upload 1 file' }).click();
      await expect(guest.getByTestId('request-thanks')).toBeVisible({ timeout: 20_000 });
      await shoot(guest, `public-request-thanks-${suffix}`);
      await guest.goto('/r/no-such-request');
      await expect(guest.getByTestId('request-not-found')).toBeVisible();
      await shoot(guest, `public-request-not-found-${suffix}`);
      await visitor.close();
    }
  }
});
