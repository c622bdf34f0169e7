import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { sha256 } from '../support/api.js';
import { chooseFiles, expect, openMainScreen, storeSession, test } from '../support/fixtures.js';

test('a file chosen in the file chooser uploads, is processed, and its detail shows the right SHA-256', async ({ page, context, api }, testInfo) => {
  const user = await api.newUser('upload');
  await storeSession(context, user);
  await openMainScreen(page);

  // 1.5 MiB of text the server can process (it counts words and lines), written to a real file.
  const name = `field-notes-${randomBytes(3).toString('hex')}.txt`;
  const line = 'The quick brown fox jumps over the lazy dog. '.repeat(4) + '\n';
  const data = Buffer.from(line.repeat(Math.ceil((1.5 * 1024 * 1024) / line.length)));
  const path = testInfo.outputPath(name);
  await writeFile(path, data);
  const expectedSha = sha256(data);

  await chooseFiles(page, path);
  const panel = page.getByTestId('upload-panel');
  await panel.getByRole('button', { name: 'Upload 1 file' }).click();

  const row = page.getByTestId('file-row').filter({ hasText: name });
  await expect(row).toHaveCount(1, { timeout: 20_000 });
  const fileId = await row.getAttribute('data-file-id');
  expect(fileId).toBeTruthy();

  // The server finishes processing (checked through the API, so a failure says which side is wrong)…
  const stored = await api.waitForProcessing(user.accessToken, fileId!);
  expect(stored).toMatchObject({ filename: name, size: data.length, mimeType: 'text/plain', status: 'processed', sha256: expectedSha });
  // …and the row follows, live.
  await expect(row).toHaveAttribute('data-status', 'processed');
  await expect(row.getByTestId('file-status')).toHaveText('processed');
  // Cells: the selection checkbox, the name, then the size.
  await expect(row.getByRole('cell').nth(2)).toHaveText('1.5 MiB');
  await expect(row).toContainText(expectedSha.slice(0, 8));

  await row.getByRole('button', { name: `${name}: show details` }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('heading', { name })).toBeVisible();
  await expect(dialog.getByText(`${data.length.toLocaleString('en-GB')} bytes`)).toBeVisible();
  await expect(dialog.getByText(expectedSha, { exact: true })).toBeVisible();
  await expect(dialog.getByLabel('File name')).toHaveValue(name);

  // Download streams through a signed link, and what the browser saves is byte for byte the upload.
  const [download] = await Promise.all([page.waitForEvent('download'), dialog.getByRole('button', { name: 'Download' }).click()]);
  expect(download.suggestedFilename()).toBe(name);
  const saved = testInfo.outputPath(`downloaded-${name}`);
  await download.saveAs(saved);
  expect(sha256(await readFile(saved))).toBe(expectedSha);

  await dialog.getByRole('button', { name: 'Close details' }).click();
  await expect(dialog).toBeHidden();
});
