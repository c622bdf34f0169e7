import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { chooseFiles, expect, openMainScreen, storeSession, test } from '../support/fixtures.js';

// A file reaches the page twice: as a GET /api/files/:id response and as Socket.IO events, on two
// connections. A response read while the file was still being processed, arriving after the event
// that says processing finished, used to put the row back to "processing" for good.
test('a slow response read before processing finished does not undo the live "processed" status', async ({ page, context, api }, testInfo) => {
  const user = await api.newUser('late');
  await storeSession(context, user);

  const held: string[] = [];
  let delivered = 0;
  await page.route(/\/api\/files\/[^/?]+$/, async (route) => {
    if (route.request().method() !== 'GET') return route.fallback();
    const response = await route.fetch();
    const { status } = (await response.json()) as { status: string };
    if (status !== 'processed') {
      // Held back until the live events have certainly arrived.
      held.push(status);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      delivered++;
    }
    await route.fulfill({ response });
  });
  await openMainScreen(page);

  // Large enough (24 MiB of text to hash and count) that the client's GET, sent as the upload
  // completes, is answered while the file is still being processed.
  const name = `late-${randomBytes(3).toString('hex')}.txt`;
  const path = testInfo.outputPath(name);
  await writeFile(path, 'slow responses arrive late\n'.repeat(Math.ceil((24 * 2 ** 20) / 27)));
  await chooseFiles(page, path);
  await page.getByTestId('upload-panel').getByRole('button', { name: 'Upload 1 file' }).click();

  const row = page.getByTestId('file-row').filter({ hasText: name });
  await expect(row).toHaveAttribute('data-status', 'processed', { timeout: 30_000 });
  expect(held.length, 'the upload should have been fetched while it was still being processed').toBeGreaterThan(0);
  await expect.poll(() => delivered, { timeout: 5_000 }).toBe(held.length);
  // Let React apply the late responses, then check nothing went backwards.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 100))));
  await expect(row).toHaveAttribute('data-status', 'processed');
  await expect(row.getByTestId('file-status')).toHaveText('processed');
});
