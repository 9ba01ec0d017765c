// `aws sso login` end to end (issue 3): Debian's AWS CLI v2 (2.9.19, /usr/bin/aws) logs in
// against ssooidc-server, a person approves in Chromium through the real pages, and the CLI's
// token cache is checked; once with a legacy profile and once with an sso-session (registration
// scopes, refresh token). Then botocore's own SSOTokenProvider refreshes the cached sso-session
// token through the server (refresh_with_botocore.py).
//
// CLI 2.9.19 has no setting for a custom sso-oidc endpoint. The test gives it one through the
// model loader: AWS_DATA_PATH names a directory holding sso-oidc/2019-06-10/
// endpoint-rule-set-1.json, a copy of the installed rule set whose only rule returns the server's
// URL. The CLI searches AWS_DATA_PATH before its own models, and nothing outside the test's
// temporary directory changes. Newer CLIs and botocore use AWS_ENDPOINT_URL_SSO_OIDC instead.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

import {
  callApi, cleanAwsEnv, enterCodeAndSignIn, screenshot, startServerAndBrowser, tempDir,
} from '../browser/lib/harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const AWS = process.env.AWS_CLI || '/usr/bin/aws';
const PYTHON = process.env.PYTHON || 'python3';
const INSTALLED_RULES =
  '/usr/lib/python3/dist-packages/awscli/botocore/data/sso-oidc/2019-06-10/endpoint-rule-set-1.json';
const START_URL = 'https://d-0000000000.awsapps.com/start';
const SESSION = 'my-sso';
const PASSWORD = 'correct horse battery staple';
const ISO_SECONDS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

const sha1 = (text) => createHash('sha1').update(text, 'utf8').digest('hex');

// An endpoint rule set that sends every sso-oidc call to `url`, keeping the installed one's
// parameters so that the CLI's built-ins (Region, UseFIPS, ...) still bind.
function writeEndpointRules(dataDir, url) {
  const installed = JSON.parse(readFileSync(INSTALLED_RULES, 'utf8'));
  const rules = {
    version: installed.version,
    parameters: installed.parameters,
    rules: [{ conditions: [], endpoint: { url, properties: {}, headers: {} }, type: 'endpoint' }],
  };
  const dir = path.join(dataDir, 'sso-oidc', '2019-06-10');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'endpoint-rule-set-1.json'), JSON.stringify(rules, null, 2));
}

describe('aws sso login (CLI 2.9.19) and botocore refresh', { timeout: 300_000 }, () => {
  let server;
  let browser;
  let context;
  let work;
  let env;

  before(async () => {
    assert.ok(existsSync(AWS), `AWS CLI v2 not found at ${AWS}: apt-get install -y awscli`);
    assert.ok(existsSync(INSTALLED_RULES), `not the Debian awscli 2.9.19 layout: ${INSTALLED_RULES}`);
    const version = spawnSync(AWS, ['--version'], { encoding: 'utf8' });
    assert.match(version.stdout + version.stderr, /^aws-cli\/2\./, 'needs AWS CLI v2');

    // No retry grace: the replays below check that the old refresh token is spent at once.
    ({ server, browser } = await startServerAndBrowser({
      users: { alice: PASSWORD }, args: ['--retry-grace', '0'],
    }));
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, javaScriptEnabled: false });

    work = tempDir('ssooidc-sso-login-');
    const home = path.join(work, 'home');
    mkdirSync(home);
    writeEndpointRules(path.join(work, 'models'), server.url);
    writeFileSync(path.join(work, 'config'), `[profile legacy]
sso_start_url = ${START_URL}
sso_region = us-east-1
sso_account_id = 111111111111
sso_role_name = ReadOnly
region = us-east-1

[profile modern]
sso_session = ${SESSION}
sso_account_id = 111111111111
sso_role_name = ReadOnly
region = us-east-1

[sso-session ${SESSION}]
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

  // Runs `aws sso login --no-browser --profile NAME`, approves the printed code in Chromium and
  // waits for the CLI to finish.
  async function ssoLogin(profile, shotName) {
    const cli = spawn(AWS, ['sso', 'login', '--no-browser', '--profile', profile], {
      env: { ...env, AWS_DATA_PATH: path.join(work, 'models') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    cli.stdout.on('data', (d) => { output += d; });
    cli.stderr.on('data', (d) => { output += d; });
    const exited = new Promise((resolve) => cli.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 60_000;
      let match;
      while (!(match = /(https?:\/\/\S+)\s+Then enter the code:\s+([A-Z]{4}-[A-Z]{4})/.exec(output))) {
        if (cli.exitCode !== null) throw new Error(`aws sso login exited early:\n${output}`);
        if (Date.now() > deadline) throw new Error(`no code from aws sso login:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const [, verificationUri, userCode] = match;
      assert.equal(verificationUri, `${server.url}/device`);

      const page = await context.newPage();
      await enterCodeAndSignIn(page, { verificationUri, userCode }, 'alice', PASSWORD);
      await page.getByRole('button', { name: 'Allow' }).waitFor();
      assert.match(await page.locator('main').innerText(), /botocore-client-/);
      await screenshot(page, `${shotName}-confirm`);
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.getByRole('heading', { name: 'Device allowed' }).waitFor();
      await page.close();

      let timer;
      const code = await Promise.race([
        exited,
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`CLI still running:\n${output}`)), 60_000);
        }),
      ]).finally(() => clearTimeout(timer));
      assert.equal(code, 0, output);
      assert.match(output, new RegExp(`Successfully logged into Start URL: ${START_URL}`));
    } finally {
      if (cli.exitCode === null) cli.kill('SIGTERM');
    }
  }

  function readCache(name) {
    const file = path.join(env.HOME, '.aws', 'sso', 'cache', `${name}.json`);
    assert.ok(existsSync(file), `${file} missing; cache has ${readdirSync(path.dirname(file))}`);
    return JSON.parse(readFileSync(file, 'utf8'));
  }

  test('legacy profile: device flow, 8-hour token without refresh', async () => {
    await ssoLogin('legacy', 'sso-login-legacy');
    const token = readCache(sha1(START_URL));
    assert.equal(token.startUrl, START_URL);
    assert.equal(token.region, 'us-east-1');
    assert.ok(token.accessToken.length >= 20);
    assert.match(token.expiresAt, ISO_SECONDS);
    const hours = (Date.parse(token.expiresAt) - Date.now()) / 3_600_000;
    assert.ok(hours > 7.5 && hours <= 8.01, `legacy tokens last 8 hours, got ${hours}`);
    assert.ok(token.clientId && token.clientSecret);
    assert.match(token.registrationExpiresAt, ISO_SECONDS);
    assert.equal(token.refreshToken, undefined, 'unscoped registrations get no refresh token');
  });

  test('sso-session: registration scopes, refresh token', async () => {
    await ssoLogin('modern', 'sso-login-session');
    const token = readCache(sha1(SESSION));
    assert.equal(token.startUrl, START_URL);
    assert.equal(token.region, 'us-east-1');
    assert.match(token.expiresAt, ISO_SECONDS);
    const minutes = (Date.parse(token.expiresAt) - Date.now()) / 60_000;
    assert.ok(minutes > 55 && minutes <= 60.5, `scoped tokens last 1 hour, got ${minutes}`);
    assert.ok(token.refreshToken, 'scoped registrations get a refresh token');
    // The registration cache key is sha1 of botocore's sorted json.dumps of these fields.
    const registration = readCache(sha1(
      `{"region": "us-east-1", "scopes": ["sso:account:access"], "session_name": "${SESSION}", `
      + `"startUrl": "${START_URL}", "tool": "botocore"}`));
    assert.deepEqual(registration.scopes, ['sso:account:access']);
    assert.equal(registration.clientId, token.clientId);
    assert.match(registration.expiresAt, ISO_SECONDS);
  });

  test("botocore's SSOTokenProvider refreshes through the server", () => {
    const r = spawnSync(PYTHON, [path.join(here, 'refresh_with_botocore.py'), 'modern', SESSION], {
      env: { ...env, AWS_ENDPOINT_URL_SSO_OIDC: server.url },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(r.status, 0, `${PYTHON} refresh_with_botocore.py:\n${r.stderr}${r.stdout}`);
    const result = JSON.parse(r.stdout.trim().split('\n').pop());
    assert.notEqual(result.newRefreshToken, result.oldRefreshToken);
    return callApi(server.url, '/token', {
      grantType: 'refresh_token',
      clientId: result.clientId,
      clientSecret: result.clientSecret,
      refreshToken: result.oldRefreshToken,
    }).then((replay) => {
      assert.equal(replay.errorType, 'InvalidGrantException', 'the old refresh token is spent');
    });
  });
});
