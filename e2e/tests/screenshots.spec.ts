import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import type { Session } from '../support/api.js';
import { expect, openMainScreen, storeSession, storeTheme, test } from '../support/fixtures.js';
import { samplePng } from '../support/samples.js';

const SHOTS = fileURLToPath(new URL('../artifacts/screenshots/', import.meta.url));
const THEMES = ['light', 'dark'] as const;

// Not an assertion on pixels: pictures of every main screen, in both themes and on a phone, for a
// person to look at (e2e/artifacts/screenshots/). The test checks each screen is complete first.
test('screenshots of the main screens in both themes', async ({ browser, api }) => {
  test.setTimeout(90_000);
  mkdirSync(SHOTS, { recursive: true });

  const user = await api.newUser('screens');
  const files = [
    { name: 'release-notes.txt', type: 'text/plain', data: Buffer.from('Dropline 1.0\n\n- Resumable uploads\n- Live updates\n'.repeat(40)) },
    {
      name: 'inventory.csv',
      type: 'text/csv',
      data: Buffer.from('sku,name,count\n' + Array.from({ length: 200 }, (_, i) => `A${i},Widget ${i},${i * 3}`).join('\n')),
    },
    {
      name: 'quarterly-financial-report-final-v2-reviewed-by-legal-and-approved.txt',
      type: 'text/plain',
      title: 'Q3 report (final)',
      data: Buffer.from('Revenue grew.\n'.repeat(3000)),
    },
    { name: 'sunset.png', type: 'image/png', title: 'Evening over the bay', data: samplePng() },
  ];
  for (const file of files) {
    const id = await api.tusUpload(user.accessToken, file);
    expect((await api.waitForProcessing(user.accessToken, id)).status).toBe('processed');
  }

  for (const theme of THEMES) {
    const context = await browser.newContext();
    await storeTheme(context, theme);
    const page = await context.newPage();
    await page.goto('/');
    await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible();
    await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
    await shoot(page, `sign-in-${theme}`);
    await context.close();

    for (const width of [1280, 375]) {
      const suffix = width === 1280 ? theme : `${theme}-${width}`;
      const signedIn = await browser.newContext({
        viewport: { width, height: width === 1280 ? 800 : 812 },
        ...(width < 600 ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
      });
      await storeTheme(signedIn, theme);
      await storeSession(signedIn, user as Session);
      const main = await signedIn.newPage();
      await openMainScreen(main);
      await expect(main.getByTestId('file-row')).toHaveCount(files.length);
      await expect(main.locator('[data-testid="file-row"][data-status="processed"]')).toHaveCount(files.length);
      await shoot(main, `main-${suffix}`);

      await main.getByRole('button', { name: 'sunset.png: show details' }).click();
      const dialog = main.getByRole('dialog');
      await expect(dialog).toBeVisible();
      const preview = dialog.getByRole('img', { name: 'Preview of sunset.png' });
      await expect(preview).toBeVisible();
      await expect.poll(() => preview.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
      // The dialog scrolls inside the viewport, so "full page" would only stretch the page behind
      // it: one picture of its top and one scrolled to its end (the edit form and actions).
      await shoot(main, `detail-${suffix}`, false);
      await dialog.getByRole('button', { name: 'Delete', exact: true }).scrollIntoViewIfNeeded();
      await shoot(main, `detail-end-${suffix}`, false);
      await signedIn.close();
    }
  }
});

async function shoot(page: Page, name: string, fullPage = true): Promise<void> {
  await page.screenshot({ path: `${SHOTS}${name}.png`, fullPage, animations: 'disabled', caret: 'hide' });
}
