import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { sha256 } from '../support/api.js';
import { chooseFiles, expect, exposeUppy, openMainScreen, storeSession, test } from '../support/fixtures.js';

const MiB = 2 ** 20;
const SIZE = 96 * MiB; // big enough for the client to send it as parallel partial uploads

test('a big file goes up as parallel partial uploads joined on the server, in requests no bigger than Upload-Limit allows', async ({
  page,
  context,
  api,
}, testInfo) => {
  test.setTimeout(120_000);
  const user = await api.newUser('parallel');
  await storeSession(context, user);
  await exposeUppy(context);

  const creations: Array<string | undefined> = [];
  let patches = 0;
  page.on('request', (request) => {
    if (!request.url().includes('/api/uploads/')) return;
    if (request.method() === 'POST') creations.push(request.headers()['upload-concat']);
    if (request.method() === 'PATCH') patches++;
  });

  await openMainScreen(page);
  // The server under test sets MAX_CHUNK_SIZE=6MiB; the client's own default is 8 MiB.
  const chunkSize = await page.evaluate(() => window.__uppy!.getPlugin('Tus')!.opts.chunkSize);
  expect(chunkSize).toBe(6 * MiB);

  const name = `parallel-${randomBytes(3).toString('hex')}.bin`;
  const data = randomBytes(SIZE);
  const path = testInfo.outputPath(name);
  await writeFile(path, data);
  await chooseFiles(page, path);
  await page.getByTestId('upload-panel').getByRole('button', { name: 'Upload 1 file' }).click();

  const row = page.getByTestId('file-row').filter({ hasText: name });
  await expect(row).toHaveCount(1, { timeout: 90_000 });
  const fileId = await row.getAttribute('data-file-id');
  const stored = await api.waitForProcessing(user.accessToken, fileId!);
  expect(stored).toMatchObject({ filename: name, size: SIZE, status: 'processed', sha256: sha256(data) });

  // Four partial uploads, then the final one that joins them. The server refuses bodies over 6 MiB
  // (413), so the upload succeeding in at least 96/6 PATCHes shows the client kept under the limit.
  expect(creations.filter((c) => c === 'partial')).toHaveLength(4);
  expect(creations.filter((c) => c?.startsWith('final;'))).toHaveLength(1);
  expect(creations).toHaveLength(5);
  expect(patches).toBeGreaterThanOrEqual(SIZE / (6 * MiB));
  // The partials are not files of their own: this new account has exactly one.
  await expect(page.getByTestId('file-row')).toHaveCount(1);
});
