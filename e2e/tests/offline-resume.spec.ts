import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import { sha256 } from '../support/api.js';
import { chooseFiles, expect, exposeUppy, openMainScreen, pageAccessToken, storeSession, test } from '../support/fixtures.js';

const MiB = 2 ** 20;
const SIZE = 48 * MiB; // six of the client's 8 MiB chunks
const CHUNK_DELAY_MS = 300; // loopback is too fast to go offline mid-upload; this is a slow link

test('an upload interrupted by going offline resumes where it stopped and stores the exact bytes', async ({ page, context, api }, testInfo) => {
  test.setTimeout(90_000);
  const user = await api.newUser('offline');
  await storeSession(context, user);
  await exposeUppy(context);

  const creations: string[] = [];
  const patches: number[] = []; // each PATCH's Upload-Offset, in the order they were sent
  const failedPatches: string[] = [];
  let acknowledged = 0; // the highest Upload-Offset a PATCH response has confirmed
  page.on('request', (request) => {
    if (!request.url().includes('/api/uploads/')) return;
    if (request.method() === 'POST') creations.push(request.url());
    if (request.method() === 'PATCH') patches.push(Number(request.headers()['upload-offset']));
  });
  page.on('response', async (response) => {
    if (response.request().method() !== 'PATCH' || !response.url().includes('/api/uploads/')) return;
    const offset = Number(await response.headerValue('upload-offset'));
    if (response.status() === 204 && offset > acknowledged) acknowledged = offset;
  });
  page.on('requestfailed', (request) => {
    if (request.method() === 'PATCH') failedPatches.push(request.failure()?.errorText ?? 'failed');
  });
  await page.route('**/api/uploads/**', async (route) => {
    if (route.request().method() === 'PATCH') await new Promise((resolve) => setTimeout(resolve, CHUNK_DELAY_MS));
    await route.fallback();
  });

  await openMainScreen(page);
  // tus-js-client sends the file in slices of chunkSize, each PATCH one slice from its offset.
  const chunkSize = await page.evaluate(() => window.__uppy!.getPlugin('Tus')!.opts.chunkSize);
  expect(chunkSize).toBeLessThanOrEqual(SIZE / 4);

  const name = `disk-image-${randomBytes(3).toString('hex')}.img`;
  const data = randomBytes(SIZE);
  const path = testInfo.outputPath(name);
  await writeFile(path, data);

  await chooseFiles(page, path);
  await page.getByTestId('upload-panel').getByRole('button', { name: 'Upload 1 file' }).click();

  // At least two chunks are on the server: now the network goes away, mid-upload.
  await expect.poll(() => acknowledged, { timeout: 20_000 }).toBeGreaterThanOrEqual(2 * chunkSize);
  await context.setOffline(true);
  await expect(page.getByTestId('connection-state')).toHaveAttribute('data-state', 'offline');
  const progressWhileOffline = await uppyProgress(page);
  expect(progressWhileOffline).toBeLessThan(100);
  // Give the client time to notice and retry (it must wait for the network, not give up).
  await page.waitForTimeout(2_000);
  expect(await uppyProgress(page)).toBeLessThan(100);

  const patchesBeforeReconnect = patches.length;
  await context.setOffline(false);
  await expect(page.getByTestId('connection-state')).toHaveAttribute('data-state', 'connected', { timeout: 15_000 });

  const row = page.getByTestId('file-row').filter({ hasText: name });
  await expect(row).toHaveCount(1, { timeout: 30_000 });
  const fileId = await row.getAttribute('data-file-id');
  const stored = await api.waitForProcessing(user.accessToken, fileId!);
  expect(stored).toMatchObject({ size: SIZE, status: 'processed', sha256: sha256(data) });
  await expect(row).toHaveAttribute('data-status', 'processed');

  // The bytes as the server serves them, with the token the page itself uses.
  const downloaded = await api.contentSha256(await pageAccessToken(page), fileId!);
  expect(downloaded).toEqual({ sha256: sha256(data), size: SIZE });

  // It resumed: one upload created, the first PATCH after the outage continued from where the
  // server had got to, and the bytes sent in all (the chunk the outage cut counted in full)
  // stay under two copies of the file.
  expect(creations).toHaveLength(1);
  const resumedAt = patches[patchesBeforeReconnect];
  expect(resumedAt, 'the first PATCH after the outage should continue from the stored offset').toBeGreaterThanOrEqual(2 * chunkSize);
  const sent = patches.reduce((total, offset) => total + Math.min(chunkSize, SIZE - offset), 0);
  expect(sent).toBeGreaterThanOrEqual(SIZE);
  expect(sent).toBeLessThan(2 * SIZE);
  testInfo.annotations.push({
    type: 'transfer',
    description: `${patches.length} PATCHes at ${patches.map((offset) => offset / MiB).join(', ')} MiB: ${sent / MiB} MiB sent for ${SIZE / MiB} MiB; failed: ${failedPatches.join(', ') || 'none'}`,
  });
});

/** Uppy's overall progress, 0–100. */
function uppyProgress(page: Page): Promise<number> {
  return page.evaluate(() => window.__uppy!.getState().totalProgress);
}

declare global {
  interface Window {
    __uppy?: {
      getState(): { totalProgress: number };
      getPlugin(id: string): { opts: { chunkSize: number } } | undefined;
    };
  }
}
