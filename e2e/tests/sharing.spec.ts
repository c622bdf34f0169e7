import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { FileRequest } from '@dropline/contract';
import type { Page } from '@playwright/test';
import { sha256 } from '../support/api.js';
import { expect, exposeUppy, openMainScreen, storeSession, test } from '../support/fixtures.js';
import { samplePng } from '../support/samples.js';
import { readZip } from '../support/zip.js';

const MiB = 2 ** 20;

/** Selects these rows' checkboxes in the file list. */
async function selectFiles(page: Page, names: string[]): Promise<void> {
  for (const name of names) await page.getByRole('checkbox', { name: `Select ${name}` }).check();
}

test('two files shared with a password and one download: unlock, preview, ZIP, then the link is used up; the owner hears of it', async ({
  browser,
  page,
  context,
  api,
}, testInfo) => {
  test.setTimeout(180_000);
  const owner = await api.newUser('sharer');
  const image = { name: `harbour-${randomBytes(3).toString('hex')}.png`, type: 'image/png', data: samplePng() };
  const text = {
    name: `packing-list-${randomBytes(3).toString('hex')}.txt`,
    type: 'text/plain',
    data: Buffer.from('tent\nstove\nmap\n'.repeat(2000)),
  };
  for (const file of [image, text]) {
    const id = await api.tusUpload(owner.accessToken, file);
    await api.waitForProcessing(owner.accessToken, id);
  }

  await storeSession(context, owner);
  await openMainScreen(page);
  await selectFiles(page, [image.name, text.name]);
  await page.getByTestId('selection-bar').getByRole('button', { name: 'Share 2 files' }).click();
  const dialog = page.getByTestId('share-dialog');
  await expect(dialog).toBeVisible();
  await dialog.getByLabel('Expires after').selectOption('1d');
  await dialog.getByLabel('Password (optional)').fill('open sesame');
  await dialog.getByLabel('Download limit (optional)').fill('1');
  await dialog.getByLabel('Note (optional)').fill('The photo and the list for Saturday.');
  await dialog.getByRole('button', { name: 'Create link' }).click();
  const link = dialog.getByRole('textbox', { name: 'Share link' });
  await expect(link).toHaveValue(/\/s\/[A-Za-z0-9_-]{22,}$/);
  await expect(dialog.getByRole('img', { name: 'QR code of the share link' })).toBeVisible();
  const url = await link.inputValue();
  // Escape closes the dialog and gives focus back to the button that opened it.
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();

  // A visitor without an account.
  const visitor = await browser.newContext({ acceptDownloads: true });
  try {
    const guest = await visitor.newPage();
    await guest.goto(url);
    await expect(guest.getByTestId('unlock-form')).toBeVisible();
    await guest.getByLabel('Password').fill('wrong password');
    await guest.getByRole('button', { name: 'Unlock' }).click();
    await expect(guest.getByRole('alert')).toContainText('not right');
    await guest.getByLabel('Password').fill('open sesame');
    await guest.getByRole('button', { name: 'Unlock' }).click();
    await expect(guest.getByTestId('public-file')).toHaveCount(2);
    await expect(guest.getByText('The photo and the list for Saturday.')).toBeVisible();

    await guest.getByRole('button', { name: `Preview ${image.name}` }).click();
    const preview = guest.getByTestId('file-preview').getByRole('img', { name: `Preview of ${image.name}` });
    await expect(preview).toBeVisible();
    await expect.poll(() => preview.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(480);
    await guest.keyboard.press('Escape');
    await expect(guest.getByTestId('file-preview')).toBeHidden();

    const [download] = await Promise.all([guest.waitForEvent('download'), guest.getByTestId('download-all').click()]);
    // The owner is told, live (the notice stays a few seconds, so it is looked for at once).
    await expect(page.getByTestId('toast').filter({ hasText: 'Someone downloaded all files as a ZIP' })).toBeVisible({ timeout: 15_000 });
    const zipPath = testInfo.outputPath('share.zip');
    await download.saveAs(zipPath);
    expect(await download.failure()).toBeNull();
    const zip = readZip(zipPath);
    expect(zip.test).toContain('No errors detected');
    expect(zip.entries).toEqual({
      [image.name]: { size: image.data.length, sha256: sha256(image.data) },
      [text.name]: { size: text.data.length, sha256: sha256(text.data) },
    });
  } finally {
    await visitor.close();
  }

  // The next visitor finds the link used up.
  const next = await browser.newContext();
  try {
    const late = await next.newPage();
    await late.goto(url);
    await expect(late.getByTestId('share-used-up')).toBeVisible();
    await expect(late.getByRole('heading', { name: 'This link has been used up' })).toBeVisible();
  } finally {
    await next.close();
  }

  // The Shares view counts it.
  await page.getByRole('button', { name: 'Shares', exact: true }).click();
  const item = page.getByTestId('share-item').first();
  await expect(item.getByTestId('share-downloads')).toHaveText('1 of 1 download');
  await expect(item).toContainText('Used up');
});

test('a file request takes 20 MiB from someone without an account through a dropped network; the owner sees the count grow live and who sent it', async ({
  browser,
  page,
  context,
  api,
}, testInfo) => {
  test.setTimeout(180_000);
  const owner = await api.newUser('asker');
  await storeSession(context, owner);
  await openMainScreen(page);

  await page.getByRole('button', { name: 'Shares', exact: true }).click();
  await page.getByRole('button', { name: 'New file request' }).click();
  const dialog = page.getByTestId('request-dialog');
  await dialog.getByLabel('Title').fill('Scans for the archive');
  await dialog.getByLabel('Message (optional)').fill('Any size is fine.');
  await dialog.getByLabel('Most files (optional)').fill('3');
  await dialog.getByRole('button', { name: 'Create request' }).click();
  const link = dialog.getByRole('textbox', { name: 'Request link' });
  await expect(link).toHaveValue(/\/r\/[A-Za-z0-9_-]{22,}$/);
  const url = await link.inputValue();
  await dialog.getByRole('button', { name: 'Done' }).click();
  const requestItem = page.getByTestId('request-item');
  await expect(requestItem).toHaveCount(1);
  await expect(requestItem.getByTestId('request-uploads')).toHaveText('0 of 3 files · 0 bytes');

  const name = `archive-scan-${randomBytes(3).toString('hex')}.bin`;
  const data = randomBytes(20 * MiB);
  const path = testInfo.outputPath(name);
  await writeFile(path, data);

  const uploaderContext = await browser.newContext();
  try {
    await exposeUppy(uploaderContext);
    const guest = await uploaderContext.newPage();
    let acknowledged = 0;
    let creations = 0;
    guest.on('request', (request) => {
      if (request.url().includes('/api/uploads/') && request.method() === 'POST') creations++;
    });
    guest.on('response', async (response) => {
      if (response.request().method() !== 'PATCH' || !response.url().includes('/api/uploads/')) return;
      const offset = Number(await response.headerValue('upload-offset'));
      if (response.status() === 204 && offset > acknowledged) acknowledged = offset;
    });
    // Loopback is too fast to go offline mid-upload; this is a slow link.
    await guest.route('**/api/uploads/**', async (route) => {
      if (route.request().method() === 'PATCH') await new Promise((resolve) => setTimeout(resolve, 400));
      await route.fallback();
    });

    await guest.goto(url);
    await expect(guest.getByRole('heading', { name: 'Scans for the archive' })).toBeVisible();
    await expect(guest.getByTestId('request-remaining')).toContainText('Room for 3 more files');
    await guest.getByLabel('Your name (optional)').fill('Rosa Archivist');
    const upload = guest.getByTestId('request-upload');
    const [chooser] = await Promise.all([guest.waitForEvent('filechooser'), upload.getByRole('button', { name: 'browse files' }).click()]);
    await chooser.setFiles(path);
    await upload.getByRole('button', { name: 'Upload 1 file' }).click();

    // Once the first chunk is stored, the network goes away, and comes back.
    await expect.poll(() => acknowledged, { timeout: 30_000 }).toBeGreaterThan(0);
    await uploaderContext.setOffline(true);
    await guest.waitForTimeout(2_000);
    expect(acknowledged).toBeLessThan(data.length);
    await uploaderContext.setOffline(false);

    await expect(guest.getByTestId('request-thanks')).toBeVisible({ timeout: 60_000 });
    await expect(guest.getByTestId('request-thanks')).toContainText('Your file has been sent');
    expect(creations, 'the upload resumed instead of starting over').toBe(1);
  } finally {
    await uploaderContext.close();
  }

  // The owner's Shares view, open all along, counts the file without a reload.
  await expect(requestItem.getByTestId('request-uploads')).toHaveText('1 of 3 files · 20 MiB', { timeout: 20_000 });
  await page.getByRole('button', { name: 'Files', exact: true }).click();
  const row = page.getByTestId('file-row').filter({ hasText: name });
  await expect(row).toHaveCount(1, { timeout: 20_000 });
  await expect(row.getByTestId('file-request-origin')).toHaveText('From Rosa Archivist via “Scans for the archive”');
  const fileId = await row.getAttribute('data-file-id');
  const stored = await api.waitForProcessing(owner.accessToken, fileId!);
  expect(stored).toMatchObject({ size: data.length, sha256: sha256(data), request: { title: 'Scans for the archive', uploader: 'Rosa Archivist' } });
});

test('a request with a password asks for it first, uploads with the unlock token, and is full after its one file', async ({ page, api }) => {
  const owner = await api.newUser('asker-pw');
  const request = await api.post<FileRequest>(owner.accessToken, '/api/requests', {
    title: 'One contract, signed',
    password: 'letmein',
    maxFiles: 1,
  });
  const authorizations: string[] = [];
  page.on('request', (sent) => {
    if (sent.url().includes('/api/uploads/') && sent.method() === 'POST') authorizations.push(sent.headers().authorization ?? '');
  });

  await page.goto(new URL(request.url).pathname);
  await expect(page.getByTestId('unlock-form')).toBeVisible();
  await expect(page.getByTestId('request-upload')).toHaveCount(0);
  await page.getByLabel('Password').fill('not it');
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.getByRole('alert')).toContainText('not right');
  await page.getByLabel('Password').fill('letmein');
  await page.getByRole('button', { name: 'Unlock' }).click();
  const upload = page.getByTestId('request-upload');
  await expect(upload).toBeVisible();
  await expect(page.getByTestId('request-remaining')).toContainText('Room for 1 more file');

  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), upload.getByRole('button', { name: 'browse files' }).click()]);
  await chooser.setFiles({ name: 'contract-signed.txt', mimeType: 'text/plain', buffer: Buffer.from('signed\n') });
  await upload.getByRole('button', { name: 'Upload 1 file' }).click();
  await expect(page.getByTestId('request-thanks')).toBeVisible({ timeout: 20_000 });
  // The request took all it asked for: no offer to send more.
  await expect(page.getByRole('button', { name: 'Send more files' })).toHaveCount(0);
  const token = new URL(request.url).pathname.split('/').pop();
  expect(authorizations).toHaveLength(1);
  expect(authorizations[0]).toMatch(new RegExp(`^Request ${token}:.+`));

  await page.reload();
  await expect(page.getByTestId('request-full')).toBeVisible();
});
