// The SSO portal page in Chromium (JavaScript off, as the pages need none): `/` leads a
// signed-out person to sign-in and, with nothing pending, on to the portal; the portal lists the
// user's accounts and roles; "Get credentials" (a POST form) shows shell exports, a
// credential_process line and a ~/.aws/config profile, and the issue is recorded. Also the PKCE
// consent page: not headed "Device sign-in", no device-code footer, and a long redirect URI
// stays inside the page on a phone-sized screen.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { callApi, screenshot, startServerAndBrowser, tempDir } from './lib/harness.mjs';

const PASSWORD = 'correct horse battery staple';
const CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
  + "frame-ancestors 'none'; base-uri 'none'";

describe('portal page', { timeout: 240_000 }, () => {
  let server;
  let browser;

  before(async () => {
    const dir = tempDir('ssooidc-portal-world-');
    const world = path.join(dir, 'world.toml');
    writeFileSync(world, `[[users]]
name = "alice"
password = "${PASSWORD}"

[[accounts]]
id = "111111111111"
name = "Production <b>bold</b>"
email = "aws-prod@example.com"
  [[accounts.roles]]
  name = "ReadOnly"
  [[accounts.roles]]
  name = "AdministratorAccess"
  session_duration = 43200

[[accounts]]
id = "999999999999"
name = "Not for alice"
  [[accounts.roles]]
  name = "ReadOnly"

[[assignments]]
user = "alice"
account = "111111111111"
role = "ReadOnly"

[[assignments]]
user = "alice"
account = "111111111111"
role = "AdministratorAccess"
`);
    ({ server, browser } = await startServerAndBrowser({ args: ['--world', world, '--no-bootstrap-user'] }));
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function signedInPage(viewport = { width: 1280, height: 900 }) {
    const context = await browser.newContext({ viewport, javaScriptEnabled: false });
    const page = await context.newPage();
    const landing = await page.goto(`${server.url}/`);
    assert.match(page.url(), /\/device\/sign-in\?return_to=%2Fportal$/);
    assert.equal(landing.status(), 200);
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    return { context, page };
  }

  test('sign-in lands on the portal, which lists the accounts and roles', async () => {
    const { context, page } = await signedInPage();
    assert.equal(new URL(page.url()).pathname, '/portal');
    // The sign-in's last redirect may still be committing the page: reloading before it has
    // loaded once failed with "Not attached to an active page".
    await page.waitForLoadState('load');
    const response = await page.reload();
    assert.equal(response.headers()['content-security-policy'], CSP);
    assert.equal(response.headers()['cache-control'], 'no-store');
    await page.getByRole('heading', { name: 'AWS access portal' }).waitFor();
    const account = page.locator('.account-block');
    assert.equal(await account.count(), 1);
    // Escaped, not markup.
    assert.match(await account.locator('.account-title').innerText(), /Production <b>bold<\/b>\s+111111111111/);
    assert.deepEqual(await page.locator('.role-name').allInnerTexts(), ['AdministratorAccess', 'ReadOnly']);
    assert.equal(await page.getByText('Not for alice').count(), 0);
    assert.equal(await page.locator('.brand-sub').innerText(), 'AWS access portal');
    await screenshot(page, 'portal-accounts');
    await context.close();
  });

  test('get credentials shows exports, credential_process and a profile', async () => {
    const { context, page } = await signedInPage();
    await page.locator('.role-row', { hasText: 'ReadOnly' })
      .getByRole('button', { name: 'Get credentials' }).click();
    await page.getByRole('heading', { name: 'Credentials for ReadOnly' }).waitFor();
    const exports = await page.locator('#exports').innerText();
    const key = exports.match(/^export AWS_ACCESS_KEY_ID='(ASIA[A-Z]{16})'$/m);
    assert.ok(key, exports);
    assert.match(exports, /^export AWS_SECRET_ACCESS_KEY='[A-Za-z0-9+/]{40}'$/m);
    assert.match(exports, /^export AWS_SESSION_TOKEN='[A-Za-z0-9+/]+'$/m);
    assert.equal(await page.locator('#credential-process').innerText(),
      'credential_process = ssooidc credentials --account-id 111111111111 --role-name ReadOnly --sso-session ssooidc');
    const profile = await page.locator('#profile').innerText();
    assert.match(profile, /^\[profile ReadOnly-111111111111\]\nsso_session = ssooidc\nsso_account_id = 111111111111\nsso_role_name = ReadOnly\n/);
    assert.ok(profile.includes(`[services ssooidc]\nsso =\n  endpoint_url = ${server.url}`), profile);
    // The operator sees the issue, never the secret.
    const records = server.admin('credentials', 'list', '--user', 'alice');
    assert.ok(records.includes(key[1]), records);
    assert.ok(!records.includes(exports.match(/AWS_SECRET_ACCESS_KEY='([^']+)'/)[1]));
    await screenshot(page, 'portal-credentials');
    await context.close();
  });

  test('the PKCE consent page is a sign-in page and a long redirect URI fits a phone', async () => {
    const redirectUri = `http://127.0.0.1:43117/oauth/callback/${'averyveryverylongpathsegment'.repeat(8)}`;
    const reg = await callApi(server.url, '/client/register', {
      clientName: 'long-redirect-app', clientType: 'public', scopes: ['sso:account:access'],
      grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [redirectUri],
      issuerUrl: 'https://d-0000000000.awsapps.com/start',
    });
    assert.equal(reg.status, 200, JSON.stringify(reg.json));
    const { context, page } = await signedInPage({ width: 375, height: 740 });
    const query = new URLSearchParams({
      response_type: 'code', client_id: reg.json.clientId, redirect_uri: redirectUri, state: 'st',
      code_challenge_method: 'S256', scopes: 'sso:account:access',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    });
    await page.goto(`${server.url}/authorize?${query}`);
    await page.getByRole('heading', { name: 'Allow access?' }).waitFor();
    assert.notEqual(await page.locator('.brand-sub').innerText(), 'Device sign-in');
    const footer = await page.locator('.footer').innerText();
    assert.ok(!/code/i.test(footer), footer);
    // The URI wraps inside the card: nothing sticks out to the right of the viewport, and its
    // label stays one line.
    const uri = page.locator('dd.uri');
    assert.equal(await uri.innerText(), redirectUri);
    const box = await uri.boundingBox();
    const card = await page.locator('main.card').boundingBox();
    assert.ok(box.x + box.width <= card.x + card.width + 0.5, `${JSON.stringify(box)} ${JSON.stringify(card)}`);
    assert.ok(card.x + card.width <= 375.5, JSON.stringify(card));
    const label = await page.locator('.wide dt').boundingBox();
    assert.ok(label.height < 30, `label wrapped: ${JSON.stringify(label)}`);
    await screenshot(page, 'pkce-consent-long-redirect');
    await context.close();
  });
});
