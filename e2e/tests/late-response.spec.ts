import { expect, openMainScreen, storeSession, test } from '../support/fixtures.js';

// A file reaches the page both as GET /api/files/:id responses and as Socket.IO events, on two
// connections, so a response can arrive after an event that is newer than it. After an upload that
// put rows back to "processing" for good (the GET sent as the upload completed, read before
// processing finished, landing after the "processed" event). Here the same ordering is made
// certain: the detail dialog's own GET is read, held back while the file is edited, then delivered.
test('a late response carrying an older copy of a file does not undo newer changes', async ({ page, context, api }) => {
  const user = await api.newUser('late');
  const id = await api.tusUpload(user.accessToken, {
    name: 'minutes.txt',
    type: 'text/plain',
    title: 'Draft minutes',
    data: Buffer.from('minutes\n'.repeat(100)),
  });
  expect((await api.waitForProcessing(user.accessToken, id)).status).toBe('processed');
  await storeSession(context, user);
  await openMainScreen(page);
  const row = page.getByTestId('file-row').filter({ hasText: 'minutes.txt' });
  await expect(row).toContainText('Draft minutes');

  // Hold back the dialog's GET: read from the server now, delivered only when released.
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let read = false;
  let delivered = false;
  await page.route(`**/api/files/${id}`, async (route) => {
    if (route.request().method() !== 'GET') return route.fallback();
    const response = await route.fetch();
    read = true;
    await released;
    await route.fulfill({ response });
    delivered = true;
  });

  await row.getByRole('button', { name: 'minutes.txt: show details' }).click();
  const dialog = page.getByRole('dialog');
  await expect.poll(() => read).toBe(true);

  await dialog.getByLabel('Title').fill('Approved minutes');
  await dialog.getByRole('button', { name: 'Save changes' }).click();
  await expect(row).toContainText('Approved minutes');
  await expect(dialog.getByLabel('Title')).toHaveValue('Approved minutes');

  release();
  await expect.poll(() => delivered).toBe(true);
  // Let React apply the late response, then check nothing went backwards.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 100))));
  await expect(row).toContainText('Approved minutes');
  await expect(dialog.getByLabel('Title')).toHaveValue('Approved minutes');
  await expect(dialog.getByText('Approved minutes', { exact: true })).toBeVisible();
  expect((await api.getFile(user.accessToken, id)).title).toBe('Approved minutes');
});
