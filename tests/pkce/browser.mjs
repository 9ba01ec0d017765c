// Plays the person in Debian's Chromium for test_pkce.py: opens the /authorize URL, signs in on
// the real sign-in page, reads the consent page, clicks Allow or Deny and waits until the browser
// has reached the client's loopback callback.
//
//   node browser.mjs AUTHORIZE_URL USER PASSWORD allow|deny CALLBACK_PREFIX
//
// Prints one JSON line: {"signInShown": bool, "signInUrl": "...", "consentUrl": "...",
// "consentText": "...", "finalUrl": "..."}: signInUrl is where /authorize sent the browser (the
// sign-in page, or the authorize URL itself when already signed in), consentUrl where the sign-in
// brought it back to. Exits 1 on any failure (a missing Chromium included: nothing here skips).
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

const [authorizeUrl, user, password, decision, callbackPrefix] = process.argv.slice(2);
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

async function main() {
  if (!existsSync(chromiumPath)) throw new Error(`Chromium not found at ${chromiumPath}`);
  const browser = await chromium.launch({
    executablePath: chromiumPath, headless: true, args: CHROMIUM_ARGS,
  });
  try {
    const page = await browser.newPage();
    await page.goto(authorizeUrl);
    const signInUrl = page.url();
    const signInShown = (await page.getByLabel('Username').count()) > 0;
    if (signInShown) {
      await page.getByLabel('Username').fill(user);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
    }
    await page.getByRole('button', { name: 'Allow' }).waitFor({ timeout: 15_000 });
    const consentUrl = page.url();
    const consentText = await page.locator('main, body').first().innerText();
    const reached = page.waitForURL((url) => url.href.startsWith(callbackPrefix), {
      timeout: 15_000, waitUntil: 'commit',
    });
    await page.getByRole('button', { name: decision === 'allow' ? 'Allow' : 'Deny' }).click();
    await reached;
    process.stdout.write(JSON.stringify({
      signInShown, signInUrl, consentUrl, consentText, finalUrl: page.url(),
    }) + '\n');
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  process.stderr.write(`browser.mjs: ${error.stack || error}\n`);
  process.exit(1);
});
