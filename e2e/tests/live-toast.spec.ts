import { randomBytes } from 'node:crypto';
import { chooseFiles, expect, openMainScreen, storeSession, test } from '../support/fixtures.js';
import { alice, bob } from '../support/users.js';

test("another signed-in user sees a toast naming the first user's upload, without reloading", async ({ browser, api }) => {
  const aliceContext = await browser.newContext();
  const bobContext = await browser.newContext();
  try {
    await storeSession(aliceContext, await api.login(alice.email, alice.password));
    await storeSession(bobContext, await api.login(bob.email, bob.password));
    const alicePage = await aliceContext.newPage();
    const bobPage = await bobContext.newPage();
    await openMainScreen(bobPage);
    await openMainScreen(alicePage);
    // Marks this document: if Bob's page reloaded, the mark would be gone.
    await bobPage.evaluate(() => ((window as Window & { e2eMark?: string }).e2eMark = 'still here'));

    const name = `holiday-photos-${randomBytes(3).toString('hex')}.txt`;
    await chooseFiles(alicePage, [{ name, mimeType: 'text/plain', buffer: Buffer.from(`a list of photos\n`.repeat(500)) }]);
    await alicePage.getByTestId('upload-panel').getByRole('button', { name: 'Upload 1 file' }).click();

    const toast = bobPage.getByTestId('toast').filter({ hasText: `${alice.email.split('@')[0]} uploaded ${name}` });
    await expect(toast).toBeVisible({ timeout: 20_000 });
    // Others see Alice by her display name (the part of her email before @ by default), never her email.
    await expect(bobPage.getByTestId('toast').filter({ hasText: alice.email })).toHaveCount(0);
    expect(await bobPage.evaluate(() => (window as Window & { e2eMark?: string }).e2eMark)).toBe('still here');

    // The news is for everyone; the file is Alice's alone.
    await expect(alicePage.getByTestId('file-row').filter({ hasText: name })).toHaveCount(1);
    await expect(bobPage.getByTestId('file-row').filter({ hasText: name })).toHaveCount(0);
  } finally {
    await aliceContext.close();
    await bobContext.close();
  }
});
