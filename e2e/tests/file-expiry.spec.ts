import { expect, openMainScreen, storeSession, test } from '../support/fixtures.js';

const DAY_MS = 86_400_000;

test("a file's expiry is set from its details with the sharing presets, then cleared again", async ({ page, context, api }) => {
  const user = await api.newUser('expiry');
  const id = await api.tusUpload(user.accessToken, { name: 'boarding-pass.txt', type: 'text/plain', data: Buffer.from('seat 12A\n'.repeat(64)) });
  await api.waitForProcessing(user.accessToken, id);

  await storeSession(context, user);
  await openMainScreen(page);
  const row = page.getByTestId('file-row').filter({ hasText: 'boarding-pass.txt' });
  await expect(row.getByTestId('file-expiry')).toHaveCount(0);
  await row.getByRole('button', { name: 'boarding-pass.txt: show details' }).click();
  const dialog = page.getByRole('dialog');
  const expiry = dialog.getByLabel('Expires after');
  await expect(expiry).toHaveValue('keep');
  await expect(expiry.locator('option:checked')).toHaveText('Keep: never expires');
  await expect(dialog.getByRole('button', { name: 'Save changes' })).toBeDisabled();

  const before = Date.now();
  await expiry.selectOption('1d');
  await dialog.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByTestId('toast').filter({ hasText: 'Saved changes to boarding-pass.txt' })).toBeVisible();
  const set = await api.getFile(user.accessToken, id);
  expect(Date.parse(set.expiresAt!) - before).toBeGreaterThan(DAY_MS - 60_000);
  expect(Date.parse(set.expiresAt!) - Date.now()).toBeLessThanOrEqual(DAY_MS);
  // The form is back to "keep", now naming the new expiry, and the list row shows it.
  await expect(expiry).toHaveValue('keep');
  await expect(expiry.locator('option:checked')).toHaveText(/^Keep: expires in (24|23) hours$/);
  await expect(row.getByTestId('file-expiry')).toHaveText(/^Expires in (24|23) hours$/);

  await expiry.selectOption('never');
  await dialog.getByRole('button', { name: 'Save changes' }).click();
  await expect(expiry.locator('option:checked')).toHaveText('Keep: never expires');
  await expect(row.getByTestId('file-expiry')).toHaveCount(0);
  expect((await api.getFile(user.accessToken, id)).expiresAt).toBeNull();
});
