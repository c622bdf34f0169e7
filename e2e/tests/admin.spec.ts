import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import type { Session } from '../support/api.js';
import { expect, openMainScreen, storeSession, storeTheme, test } from '../support/fixtures.js';
import { brokenPng } from '../support/samples.js';
import { admin } from '../support/users.js';

const SHOTS = fileURLToPath(new URL('../artifacts/screenshots/', import.meta.url));

async function openAdmin(page: Page): Promise<void> {
  await openMainScreen(page);
  await page.getByRole('button', { name: 'Admin' }).click();
  await expect(page.getByRole('heading', { name: 'Users' })).toBeVisible();
}

test('an admin disables a user, whose open browser is signed out', async ({ browser, api }) => {
  const user = await api.newUser('disabled');
  const adminSession = await api.login(admin.email, admin.password);
  const userContext = await browser.newContext();
  const adminContext = await browser.newContext();
  try {
    await storeSession(userContext, user);
    await storeSession(adminContext, adminSession);
    const userPage = await userContext.newPage();
    await openMainScreen(userPage);
    await expect(userPage.getByTestId('my-usage')).toBeVisible();

    const adminPage = await adminContext.newPage();
    await openAdmin(adminPage);
    await adminPage.getByRole('searchbox', { name: 'Search by email or name' }).fill(user.user.email);
    const row = adminPage.locator(`[data-email="${user.user.email}"]`);
    await row.getByRole('button', { name: 'Disable' }).click();
    await expect(row.getByText('disabled', { exact: true })).toBeVisible();

    // No reload, no click: the server closes the user's socket, and their session ends.
    await expect(userPage.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible({ timeout: 20_000 });
  } finally {
    await userContext.close();
    await adminContext.close();
  }
});

test('the admin retries a failed job from the Jobs view', async ({ browser, api }) => {
  const owner = await api.newUser('failing');
  const fileId = await api.tusUpload(owner.accessToken, { name: 'broken.png', type: 'image/png', data: brokenPng() });
  expect((await api.waitForProcessing(owner.accessToken, fileId, 45_000)).status).toBe('failed');

  const adminSession = await api.login(admin.email, admin.password);
  const context = await browser.newContext();
  try {
    await storeSession(context, adminSession);
    const page = await context.newPage();
    await openAdmin(page);
    await page.getByRole('tab', { name: 'Jobs' }).click();
    const job = page.getByTestId('admin-jobs').getByRole('listitem').filter({ hasText: fileId });
    await expect(job).toBeVisible();
    await expect(job.getByText(/could not be decoded/i)).toBeVisible();
    await job.getByRole('button', { name: 'Retry' }).click();
    await expect(page.getByTestId('toast').filter({ hasText: 'Job queued again' })).toBeVisible();

    const audit = await api.get<{ items: Array<{ action: string; details: { fileId?: string } }> }>(
      adminSession.accessToken,
      '/api/admin/audit?action=job.retry',
    );
    expect(audit.items.some((entry) => entry.details.fileId === fileId)).toBe(true);
  } finally {
    await context.close();
  }
});

test('screenshots of the admin area in both themes', async ({ browser, api }) => {
  test.setTimeout(90_000);
  mkdirSync(SHOTS, { recursive: true });
  const adminSession = (await api.login(admin.email, admin.password)) as Session;
  for (const theme of ['light', 'dark'] as const) {
    for (const width of [1280, 375]) {
      const context = await browser.newContext({
        viewport: { width, height: width === 1280 ? 800 : 812 },
        ...(width < 600 ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
      });
      await storeTheme(context, theme);
      await storeSession(context, adminSession);
      const page = await context.newPage();
      await openAdmin(page);
      await expect(page.getByTestId('admin-users').getByRole('listitem').first()).toBeVisible();
      const suffix = `${theme}-${width}`;
      await page.screenshot({ path: `${SHOTS}admin-users-${suffix}.png`, fullPage: true, animations: 'disabled', caret: 'hide' });
      await page.getByRole('tab', { name: 'Jobs' }).click();
      await expect(page.getByTestId('jobs-failed')).not.toHaveText('…');
      await page.screenshot({ path: `${SHOTS}admin-jobs-${suffix}.png`, fullPage: true, animations: 'disabled', caret: 'hide' });
      await page.getByRole('tab', { name: 'Audit' }).click();
      await expect(page.getByTestId('admin-audit').getByRole('listitem').first()).toBeVisible();
      await page.screenshot({ path: `${SHOTS}admin-audit-${suffix}.png`, fullPage: true, animations: 'disabled', caret: 'hide' });
      await context.close();
    }
  }
});
