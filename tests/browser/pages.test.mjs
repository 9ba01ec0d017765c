// The person's pages in a real browser (issue 3): Debian's Chromium, headless, driven by
// playwright-core, against the real server. Every page is saved as a screenshot under
// $SSOOIDC_ARTIFACTS for a human to look at.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';

import {
  enterCodeAndSignIn, pollToken, screenshot, startDevice, startServerAndBrowser,
} from './lib/harness.mjs';

const PASSWORD = 'correct horse battery staple';
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
const DESKTOP = { viewport: { width: 1280, height: 800 } };

async function expectNoHorizontalScroll(page) {
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `page scrolls sideways by ${overflow}px`);
}

describe('pages', { timeout: 240_000 }, () => {
  let server;
  let browser;
  let person;  // a browser without JavaScript: the pages must work without it
  let page;

  before(async () => {
    ({ server, browser } = await startServerAndBrowser({ users: { alice: PASSWORD, bob: PASSWORD } }));
    person = await browser.newContext({ ...DESKTOP, javaScriptEnabled: false });
    page = await person.newPage();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  let allowed;  // the device allowed in the first test, reused to show "already used"

  test('allow: code, sign-in, confirmation, token', async () => {
    allowed = await startDevice(server.url, 'botocore-client-<laptop>');
    await page.goto(allowed.verificationUri);
    assert.equal(await page.title(), 'Enter the code · ssooidc');
    await screenshot(page, '01-code-entry');

    // Tolerant of case, spaces and a missing dash.
    const sloppy = ` ${allowed.userCode.toLowerCase().replace('-', ' ')} `;
    await page.getByLabel('Code').fill(sloppy);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Username').waitFor();
    const anonymous = (await person.cookies()).find((c) => c.name === 'ssooidc_session');
    assert.ok(anonymous, 'a session cookie before sign-in');
    await screenshot(page, '02-sign-in');

    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Allow' }).waitFor();

    const cookie = (await person.cookies()).find((c) => c.name === 'ssooidc_session');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Lax');
    assert.equal(cookie.secure, false, 'plain http: no Secure flag');
    assert.notEqual(cookie.value, anonymous.value, 'a fresh session id after sign-in');

    const body = await page.locator('main').innerText();
    assert.match(body, /botocore-client-<laptop>/, 'names the client, escaped and shown as text');
    assert.ok(body.includes(allowed.userCode));
    assert.match(body, /Make sure this code matches the one shown on your device/);
    assert.match(body, /127\.0\.0\.1/, 'shows the requesting address');
    assert.match(body, /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/, 'shows when it was requested');
    assert.equal((await pollToken(server.url, allowed)).errorType, 'AuthorizationPendingException');
    await screenshot(page, '03-confirm');

    await page.getByRole('button', { name: 'Allow' }).click();
    await page.getByRole('heading', { name: 'Device allowed' }).waitFor();
    await screenshot(page, '04-allowed');
    const token = await pollToken(server.url, allowed);
    assert.equal(token.status, 200, JSON.stringify(token));
    assert.equal(token.json.tokenType, 'Bearer');
  });

  test('every page carries the security headers', async () => {
    for (const p of ['/device', '/device/sign-in', '/static/style.css']) {
      const resp = await page.request.get(server.url + p);
      const h = resp.headers();
      assert.match(h['content-security-policy'], /default-src 'none'/, p);
      assert.match(h['content-security-policy'], /frame-ancestors 'none'/, p);
      assert.match(h['content-security-policy'], /form-action 'self'/, p);
      assert.equal(h['x-frame-options'], 'DENY', p);
      assert.ok(h['referrer-policy'], p);
      assert.equal(h['x-content-type-options'], 'nosniff', p);
    }
    const resp = await page.request.get(`${server.url}/device`);
    assert.equal(resp.headers()['cache-control'], 'no-store');
  });

  test('signed in: the complete URI fills the code in, one click to the confirmation, deny', async () => {
    const device = await startDevice(server.url, 'botocore-client-denied');
    await page.goto(device.verificationUriComplete);
    // A GET only fills the form in (another site's links cannot spend the rate limit).
    assert.equal(await page.getByLabel('Code').inputValue(), device.userCode);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'Deny' }).waitFor();
    assert.equal((await pollToken(server.url, device)).errorType, 'AuthorizationPendingException',
      'opening the link alone approves nothing');
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.getByRole('heading', { name: 'Request denied' }).waitFor();
    await screenshot(page, '05-denied');
    assert.equal((await pollToken(server.url, device)).errorType, 'AccessDeniedException');
  });

  test('a used code says so', async () => {
    await page.goto(allowed.verificationUriComplete);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('heading', { name: 'This code has already been used' }).waitFor();
    await screenshot(page, '06-already-used');
  });

  test('a wrong code is refused with advice', async () => {
    await page.goto(`${server.url}/device`);
    await page.getByLabel('Code').fill('BCDF-GHJK');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText("We couldn't find that code").waitFor();
    await screenshot(page, '07-wrong-code');
  });

  test('phone-sized confirmation page fits the screen', async () => {
    const phone = await browser.newContext({ ...PHONE });
    const p = await phone.newPage();
    const device = await startDevice(server.url, 'aws-cli on build-host-42');
    await enterCodeAndSignIn(p, device, 'alice', PASSWORD);
    await p.getByRole('button', { name: 'Allow' }).waitFor();
    await expectNoHorizontalScroll(p);
    await screenshot(p, '08-confirm-phone');
    await p.goto(`${device.verificationUri}`);
    await expectNoHorizontalScroll(p);
    await screenshot(p, '09-code-entry-phone');
    await phone.close();
  });

  test('a forged form without its CSRF token is rejected', async () => {
    const ctx = await browser.newContext({ ...DESKTOP });  // JavaScript on, to tamper with the form
    const p = await ctx.newPage();
    const device = await startDevice(server.url, 'botocore-client-forged');
    await enterCodeAndSignIn(p, device, 'alice', PASSWORD);
    await p.getByRole('button', { name: 'Allow' }).waitFor();
    await p.evaluate(() => document.querySelectorAll('input[name=csrf_token]').forEach((e) => e.remove()));
    const [resp] = await Promise.all([
      p.waitForResponse((r) => r.url().endsWith('/device/confirm') && r.request().method() === 'POST'),
      p.getByRole('button', { name: 'Allow' }).click(),
    ]);
    assert.equal(resp.status(), 403);
    await p.getByRole('heading', { name: 'This form has expired' }).waitFor();
    await screenshot(p, '10-csrf-rejected');
    assert.equal((await pollToken(server.url, device)).errorType, 'AuthorizationPendingException');

    // Another site's page posting to the server, even with a valid token and the session cookie,
    // is refused by the origin check.
    await p.goto(device.verificationUriComplete);
    await p.getByRole('button', { name: 'Allow' }).waitFor();
    const token = await p.locator('input[name=csrf_token]').first().inputValue();
    const evil = createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(`<form method="post" action="${server.url}/device/confirm">
        <input type="hidden" name="csrf_token" value="${token}">
        <input type="hidden" name="user_code" value="${device.userCode}">
        <button name="decision" value="allow">Win a prize</button></form>`);
    });
    await new Promise((resolve) => evil.listen(0, '127.0.0.1', resolve));
    try {
      await p.goto(`http://localhost:${evil.address().port}/`);
      const [cross] = await Promise.all([
        p.waitForResponse((r) => r.url().endsWith('/device/confirm')),
        p.getByRole('button', { name: 'Win a prize' }).click(),
      ]);
      assert.equal(cross.status(), 403);
    } finally {
      evil.close();
    }
    assert.equal((await pollToken(server.url, device)).errorType, 'AuthorizationPendingException');
    await ctx.close();
  });

  test('sign-in returns to a path on this server, never off-site', async () => {
    for (const target of ['https://evil.example/', '//evil.example/', '/\\evil.example']) {
      const ctx = await browser.newContext({ ...DESKTOP, javaScriptEnabled: false });
      const p = await ctx.newPage();
      await p.goto(`${server.url}/device/sign-in?return_to=${encodeURIComponent(target)}`);
      await p.getByLabel('Username').fill('alice');
      await p.getByLabel('Password').fill(PASSWORD);
      await p.getByRole('button', { name: 'Sign in' }).click();
      // An unsafe target is dropped: with nothing pending, sign-in lands on the portal page.
      await p.getByRole('heading', { name: 'AWS access portal' }).waitFor();
      assert.equal(p.url(), `${server.url}/portal`, target);
      await ctx.close();
    }
    const ctx = await browser.newContext({ ...DESKTOP, javaScriptEnabled: false });
    const p = await ctx.newPage();
    await p.goto(`${server.url}/device/sign-in?return_to=${encodeURIComponent('/device?from=sign-in')}`);
    await p.getByLabel('Username').fill('alice');
    await p.getByLabel('Password').fill(PASSWORD);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.waitForURL(`${server.url}/device?from=sign-in`);
    await ctx.close();
  });

  test('a disabled user cannot sign in', async () => {
    server.admin('user', 'disable', 'bob');
    const ctx = await browser.newContext({ ...DESKTOP, javaScriptEnabled: false });
    const p = await ctx.newPage();
    const device = await startDevice(server.url);
    await enterCodeAndSignIn(p, device, 'bob', PASSWORD);
    await p.getByText('This user is disabled').waitFor();
    await screenshot(p, '11-disabled-user');
    await ctx.close();
  });

  test('sign-out ends the session', async () => {
    await page.goto(`${server.url}/device`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'You have signed out' }).waitFor();
    await screenshot(page, '12-signed-out');
    const device = await startDevice(server.url);
    await page.goto(device.verificationUriComplete);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Username').waitFor();  // asked to sign in again
    assert.equal(await page.getByRole('button', { name: 'Allow' }).count(), 0);
  });
});

describe('expiry', { timeout: 60_000 }, () => {
  test('an expired code says to start again', async () => {
    const { server, browser } = await startServerAndBrowser({
      users: { alice: PASSWORD }, args: ['--device-code-ttl', '10'],
    });
    try {
      const ctx = await browser.newContext({ ...DESKTOP, javaScriptEnabled: false });
      const page = await ctx.newPage();
      const device = await startDevice(server.url);
      await enterCodeAndSignIn(page, device, 'alice', PASSWORD);
      await page.getByRole('button', { name: 'Allow' }).waitFor();
      await new Promise((r) => setTimeout(r, 10_500));
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.getByRole('heading', { name: 'This code has expired' }).waitFor();
      await screenshot(page, '13-expired');
      assert.equal((await pollToken(server.url, device)).errorType, 'ExpiredTokenException');
    } finally {
      await browser.close();
      await server.stop();
    }
  });
});

describe('rate limits', { timeout: 120_000 }, () => {
  let server;
  let browser;
  before(async () => {
    ({ server, browser } = await startServerAndBrowser({ users: { alice: PASSWORD } }));
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function wrongCode(page) {
    await page.getByLabel('Code').fill('BCDF-GHJK');
    const [resp] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Next' }).click(),
    ]);
    await page.waitForLoadState();
    return resp.status();
  }

  test('wrong codes: 5 per browser session, then 20 per address', async () => {
    const ctx = await browser.newContext({ ...DESKTOP, javaScriptEnabled: false });
    const page = await ctx.newPage();
    await page.goto(`${server.url}/device`);
    const firstGuess = Date.now();
    for (let i = 0; i < 5; i++) {
      assert.equal(await wrongCode(page), 404, `attempt ${i + 1}`);
    }
    const device = await startDevice(server.url);
    await page.getByLabel('Code').fill(device.userCode);
    const [resp] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Next' }).click(),
    ]);
    assert.equal(resp.status(), 429);
    // The 10-minute block runs from a wrong guess, so what is left of it is 600 s less the time
    // the guesses took (seconds on a loaded machine), never more than 600 s.
    const retryAfter = Number(resp.headers()['retry-after']);
    const elapsed = Math.ceil((Date.now() - firstGuess) / 1000);
    assert.ok(retryAfter >= 600 - elapsed - 1 && retryAfter <= 600, `${retryAfter} after ${elapsed} s`);
    await page.getByRole('heading', { name: 'Too many attempts' }).waitFor();
    await page.getByText(/Try again in 10 minutes \(after \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\)/).waitFor();
    await screenshot(page, '14-rate-limited');
    await ctx.close();

    // Throwing the cookie away does not help for long: 20 per address.
    for (let round = 0; round < 3; round++) {
      const fresh = await browser.newContext({ javaScriptEnabled: false });
      const p = await fresh.newPage();
      await p.goto(`${server.url}/device`);
      for (let i = 0; i < 5; i++) assert.equal(await wrongCode(p), 404, `round ${round} attempt ${i + 1}`);
      await fresh.close();
    }
    const last = await browser.newContext({ javaScriptEnabled: false });
    const p = await last.newPage();
    await p.goto(`${server.url}/device`);
    assert.equal(await wrongCode(p), 429);
    await last.close();
  });

  test('failed sign-ins: 5 per user and address', async () => {
    const ctx = await browser.newContext({ ...DESKTOP, javaScriptEnabled: false });
    const page = await ctx.newPage();
    await page.goto(`${server.url}/device/sign-in`);
    for (let i = 0; i < 5; i++) {
      await page.getByLabel('Username').fill('alice');
      await page.getByLabel('Password').fill(`wrong-${i}`);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByText('Wrong user name or password').waitFor();
    }
    await screenshot(page, '15-sign-in-failed');
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill(PASSWORD);
    const [resp] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Sign in' }).click(),
    ]);
    assert.equal(resp.status(), 429, 'even the right password waits');
    await page.getByText(/too many failed sign-ins from this browser or network/).waitFor();
    await page.getByText(/Try again in 15 minutes/).waitFor();
    await screenshot(page, '16-sign-in-rate-limited');
    await ctx.close();
  });
});
