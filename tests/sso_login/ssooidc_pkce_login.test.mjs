// `ssooidc login` with the Authorization Code Flow and PKCE (issue 5, client side) end to end:
// the built CLI logs in against the built server with an sso-session, its browser opener ($BROWSER)
// is a script that hands the /authorize URL to this test, and Chromium signs in and consents on
// the real pages, which redirect to the CLI's loopback listener. Then the cache files are checked
// against the AWS CLI's format (reference 6.6) and the token is refreshed by `ssooidc token` and
// by botocore's own SSOTokenProvider. Denial, a forged callback, the timeout, --no-browser and
// --use-device-code are covered too.
//
// Environment: SSOOIDC_SERVER, SSOOIDC_CLI (CTest sets both), PYTHON (botocore >= 1.31),
// CHROMIUM. A missing binary, Chromium or botocore fails the test; nothing skips.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

import {
  callApi, cleanAwsEnv, repoRoot, screenshot, startServerAndBrowser, tempDir,
} from '../browser/lib/harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = process.env.SSOOIDC_CLI || path.join(repoRoot, 'build/bin/ssooidc');
const PYTHON = process.env.PYTHON || 'python3';
const START_URL = 'https://d-0000000000.awsapps.com/start';
const SESSION = 'my-sso';
const PASSWORD = 'correct horse battery staple';
const ISO_SECONDS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
// Reference 5.5: the CLI's parameter order and quote(safe='-._~') encoding.
const AUTHORIZE_URL = new RegExp(
  '^(http://127\\.0\\.0\\.1:\\d+)/authorize\\?response_type=code&client_id=([A-Za-z0-9_~.%-]+)'
  + '&redirect_uri=http%3A%2F%2F127\\.0\\.0\\.1%3A(\\d+)%2Foauth%2Fcallback'
  + '&state=([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})'
  + '&code_challenge_method=S256&scopes=sso%3Aaccount%3Aaccess'
  + '&code_challenge=([A-Za-z0-9_-]{43})$');

const sha1 = (text) => createHash('sha1').update(text, 'utf8').digest('hex');
const registrationKey = (session) => sha1(
  `{"region": "us-east-1", "scopes": ["sso:account:access"], "session_name": "${session}", `
  + `"startUrl": "${START_URL}", "tool": "botocore"}`);

// Resolves once `check()` returns a value; polls the file system or the output, which change when
// the child process acts (there is no event to wait on across processes).
async function until(what, check, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('ssooidc login (PKCE) through Chromium', { timeout: 300_000 }, () => {
  let server;
  let browser;
  let context;
  let work;
  let env;
  let logins = 0;

  before(async () => {
    assert.ok(existsSync(CLI), `ssooidc not found at ${CLI}`);
    // No retry grace: the replays below check that the old refresh token is spent at once.
    ({ server, browser } = await startServerAndBrowser({
      users: { alice: PASSWORD }, args: ['--retry-grace', '0'],
    }));
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    work = tempDir('ssooidc-pkce-login-');
    const home = path.join(work, 'home');
    mkdirSync(home);
    writeFileSync(path.join(work, 'config'), `[profile dev]
sso_session = ${SESSION}
region = us-east-1

[profile other]
sso_session = other-sso
region = us-east-1

[sso-session ${SESSION}]
sso_start_url = ${START_URL}
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[sso-session other-sso]
sso_start_url = ${START_URL}
sso_region = us-east-1
sso_registration_scopes = sso:account:access
`);
    env = cleanAwsEnv(home, work);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  // Starts `ssooidc login --profile PROFILE ...` with a $BROWSER that writes the URL to a file.
  function startLogin(profile, ...args) {
    const n = ++logins;
    const urlFile = path.join(work, `opened-${n}.txt`);
    const opener = path.join(work, `open-url-${n}.sh`);
    writeFileSync(opener, `#!/bin/sh\nprintf '%s\\n' "$1" > '${urlFile}.tmp' && mv '${urlFile}.tmp' '${urlFile}'\n`);
    chmodSync(opener, 0o755);
    const child = spawn(CLI, ['login', '--profile', profile, '--endpoint-url', server.url, ...args], {
      env: { ...env, BROWSER: `${opener} %s` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const login = { child, urlFile, stdout: '', stderr: '' };
    child.stdout.on('data', (d) => { login.stdout += d; });
    child.stderr.on('data', (d) => { login.stderr += d; });
    login.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    login.openedUrl = () => until(`the browser opener of login ${n}`, () => {
      if (child.exitCode !== null) {
        throw new Error(`ssooidc login exited early (${child.exitCode}):\n${login.stdout}${login.stderr}`);
      }
      return existsSync(urlFile) && readFileSync(urlFile, 'utf8').trim();
    });
    login.finish = async () => {
      let timer;
      try {
        return await Promise.race([login.exited, new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`ssooidc login still running:\n${login.stdout}${login.stderr}`)), 60_000);
        })]);
      } finally {
        clearTimeout(timer);
        if (child.exitCode === null) child.kill('SIGTERM');
      }
    };
    return login;
  }

  // Signs in if asked, checks the consent page, clicks `decision` and waits for the redirect to
  // the CLI's loopback listener. Returns the page, on the listener's answer.
  async function consent(url, decision, shotName) {
    const { 3: port } = AUTHORIZE_URL.exec(url);
    const page = await context.newPage();
    await page.goto(url);
    if (await page.getByLabel('Username').count()) {
      await page.getByLabel('Username').fill('alice');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
    }
    await page.getByRole('button', { name: 'Allow' }).waitFor();
    const text = await page.locator('body').innerText();
    assert.match(text, /ssooidc-client-/, 'the consent page names the client');
    assert.match(text, /sso:account:access/, 'and the scope');
    await screenshot(page, `${shotName}-consent`);
    const reached = page.waitForURL(
      (u) => u.href.startsWith(`http://127.0.0.1:${port}/oauth/callback?`), { waitUntil: 'load' });
    await page.getByRole('button', { name: decision }).click();
    await reached;
    await screenshot(page, `${shotName}-callback`);
    return page;
  }

  function cacheFile(name) {
    return path.join(env.HOME, '.aws', 'sso', 'cache', `${name}.json`);
  }

  function readCache(name) {
    const file = cacheFile(name);
    assert.ok(existsSync(file), `${file} missing`);
    return { text: readFileSync(file, 'utf8'), json: JSON.parse(readFileSync(file, 'utf8')), file };
  }

  function runCli(...args) {
    return spawnSync(CLI, args, { env, encoding: 'utf8', timeout: 60_000 });
  }

  test('login opens /authorize, receives the code and writes the AWS CLI cache', async () => {
    const login = startLogin('dev');
    const url = await login.openedUrl();
    const match = AUTHORIZE_URL.exec(url);
    assert.ok(match, `not the CLI's /authorize URL: ${url}`);
    assert.equal(match[1], server.url, 'the authorize URL is on the sso-oidc endpoint');
    assert.ok(login.stdout.includes(url), 'the URL is printed as well');
    assert.match(login.stdout, /--use-device-code/, 'with the hint for remote machines');

    const page = await consent(url, 'Allow', 'ssooidc-pkce-allow');
    assert.match(await page.locator('body').innerText(), /Authorization received/);
    await page.close();

    assert.equal(await login.finish(), 0, login.stdout + login.stderr);
    assert.match(login.stdout, new RegExp(`Successfully logged into Start URL: ${START_URL}`));

    // The token file (reference 6.6): sha1(session), botocore's members in botocore's order,
    // Python's separators, mode 0600.
    const token = readCache(sha1(SESSION));
    assert.deepEqual(Object.keys(token.json), [
      'startUrl', 'region', 'accessToken', 'expiresAt', 'clientId', 'clientSecret',
      'registrationExpiresAt', 'refreshToken']);
    assert.ok(token.text.startsWith(`{"startUrl": "${START_URL}", "region": "us-east-1", `));
    assert.equal(statSync(token.file).mode & 0o777, 0o600);
    assert.equal(token.json.startUrl, START_URL);
    assert.equal(token.json.region, 'us-east-1');
    assert.ok(token.json.accessToken.length >= 20);
    assert.ok(token.json.refreshToken.length >= 20);
    assert.match(token.json.expiresAt, ISO_SECONDS);
    const minutes = (Date.parse(token.json.expiresAt) - Date.now()) / 60_000;
    assert.ok(minutes > 55 && minutes <= 60.5, `scoped tokens last 1 hour, got ${minutes}`);
    assert.match(token.json.registrationExpiresAt, ISO_SECONDS);

    // The registration file under botocore's key, made for PKCE.
    const registration = readCache(registrationKey(SESSION)).json;
    assert.deepEqual(registration.grantTypes, ['authorization_code', 'refresh_token']);
    assert.deepEqual(registration.scopes, ['sso:account:access']);
    assert.equal(registration.clientId, token.json.clientId);
    assert.equal(registration.clientId, decodeURIComponent(match[2]));
    assert.equal(registration.expiresAt, token.json.registrationExpiresAt);
  });

  test('`ssooidc token --force-refresh` refreshes the PKCE token through the server', () => {
    const before = readCache(sha1(SESSION)).json;
    const r = runCli('token', '--profile', 'dev', '--endpoint-url', server.url, '--force-refresh');
    assert.equal(r.status, 0, r.stderr);
    const after = readCache(sha1(SESSION)).json;
    assert.equal(r.stdout.trim(), after.accessToken);
    assert.notEqual(after.accessToken, before.accessToken);
    assert.notEqual(after.refreshToken, before.refreshToken, 'the refresh token rotated');
    assert.equal(after.clientId, before.clientId);
  });

  test("botocore's SSOTokenProvider uses and refreshes the PKCE token", async () => {
    const r = spawnSync(PYTHON, [path.join(here, 'refresh_with_botocore.py'), 'dev', SESSION], {
      env: { ...env, AWS_ENDPOINT_URL_SSO_OIDC: server.url },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(r.status, 0, `${PYTHON} refresh_with_botocore.py:\n${r.stderr}${r.stdout}`);
    const result = JSON.parse(r.stdout.trim().split('\n').pop());
    const replay = await callApi(server.url, '/token', {
      grantType: 'refresh_token',
      clientId: result.clientId,
      clientSecret: result.clientSecret,
      refreshToken: result.oldRefreshToken,
    });
    assert.equal(replay.errorType, 'InvalidGrantException', 'the old refresh token is spent');
  });

  test('--no-browser only prints the URL; a second login reuses the PKCE registration', async () => {
    const registrationBefore = readCache(registrationKey(SESSION)).json;
    const login = startLogin('dev', '--no-browser');
    const url = await until('the printed URL', () => {
      const m = /^http:\/\/127\.0\.0\.1:\d+\/authorize\?\S+$/m.exec(login.stdout);
      return m && m[0];
    });
    assert.match(url, AUTHORIZE_URL);
    assert.match(login.stdout, /Open the following URL in a browser on this computer/);
    (await consent(url, 'Allow', 'ssooidc-pkce-no-browser')).close();
    assert.equal(await login.finish(), 0, login.stdout + login.stderr);
    assert.ok(!existsSync(login.urlFile), 'the browser opener was not started');
    assert.equal(readCache(registrationKey(SESSION)).json.clientId, registrationBefore.clientId);
  });

  test('Deny in the browser: a clear error, exit 254 and no token file', async () => {
    const login = startLogin('other');
    const url = await login.openedUrl();
    const page = await consent(url, 'Deny', 'ssooidc-pkce-deny');
    assert.match(await page.locator('body').innerText(), /Login failed/);
    await page.close();
    assert.equal(await login.finish(), 254, login.stdout + login.stderr);
    assert.match(login.stderr, /AccessDeniedException/);
    assert.match(login.stderr, /The authorization request was denied\./);
    assert.ok(!existsSync(cacheFile(sha1('other-sso'))), 'no token file after a denial');
  });

  test('a callback with a forged state ends the login without a token', async () => {
    const login = startLogin('other');
    const { 3: port } = AUTHORIZE_URL.exec(await login.openedUrl());
    const favicon = await fetch(`http://127.0.0.1:${port}/favicon.ico`);
    assert.equal(favicon.status, 404, 'unrelated requests are answered and ignored');
    const forged = await fetch(
      `http://127.0.0.1:${port}/oauth/callback?code=stolen&state=3593bb11-2407-4d41-8bae-4f121d6d8a5d`);
    assert.equal(forged.status, 400);
    const body = await forged.text();
    assert.ok(!body.includes('stolen'), 'the page does not echo the request');
    assert.equal(await login.finish(), 255, login.stdout + login.stderr);
    assert.match(login.stderr, /State parameter does not match expected value/);
    assert.ok(!existsSync(cacheFile(sha1('other-sso'))));
  });

  test('--login-timeout bounds the wait for the browser', async () => {
    const login = startLogin('other', '--login-timeout', '1');
    await login.openedUrl();
    assert.equal(await login.finish(), 255, login.stdout + login.stderr);
    assert.match(login.stderr, /No authorization response reached http:\/\/127\.0\.0\.1:\d+\/oauth\/callback within 1 second\./);
    assert.ok(!existsSync(cacheFile(sha1('other-sso'))));
  });

  test('--use-device-code logs the same session in with the device flow', async () => {
    const login = startLogin('dev', '--use-device-code', '--no-browser', '--no-qr');
    const code = await until('the user code', () => {
      const m = /Then enter the code:\s+([A-Z]{4}-[A-Z]{4})/.exec(login.stdout);
      return m && m[1];
    });
    server.admin('device', 'approve', code, '--user', 'alice');
    assert.equal(await login.finish(), 0, login.stdout + login.stderr);
    // The device flow does not reuse the PKCE registration: it registers without grantTypes.
    const registration = readCache(registrationKey(SESSION)).json;
    assert.equal(registration.grantTypes, undefined);
    assert.equal(readCache(sha1(SESSION)).json.clientId, registration.clientId);
  });
});
