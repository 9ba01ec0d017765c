// The CI test mode through the AWS SDK for JavaScript v3 (@aws-sdk/client-sso-oidc, the modules
// of tests/e2e/js): a device login approved with no person (--auto-approve), and errors forced on
// the next polls by the scripted admin API arriving as the SDK's modeled exception classes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(resolve(here, '..', '..', 'e2e', 'js', 'package.json'));
const {
  SSOOIDCClient, RegisterClientCommand, StartDeviceAuthorizationCommand, CreateTokenCommand,
  SlowDownException, AccessDeniedException, ExpiredTokenException, InternalServerException,
} = require('@aws-sdk/client-sso-oidc');

const serverBinary =
  process.env.SSOOIDC_SERVER || resolve(here, '..', '..', '..', 'build', 'bin', 'ssooidc-server');
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const START_URL = 'https://d-0000000000.awsapps.com/start';

let work, server, url, adminToken, client;

function childEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('SSOOIDC_') && !k.startsWith('AWS_')) env[k] = v;
  return env;
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'ssooidc-testmode-js-'));
  writeFileSync(join(work, 'world.toml'), '[[users]]\nname = "ci"\npassword = "js test password 0001"\n');
  const log = openSync(join(work, 'server.stderr'), 'w');
  server = spawn(serverBinary, ['serve', '--listen', '127.0.0.1:0', '--database',
    'sqlite:' + join(work, 'db'), '--test-mode', '--auto-approve', 'ci', '--world',
    join(work, 'world.toml'), '--no-bootstrap-user'], { stdio: ['ignore', 'pipe', log], env: childEnv() });
  closeSync(log);
  const lines = createInterface({ input: server.stdout });
  for await (const line of lines) {
    if (!url) url = line;
    if (line.startsWith('Test-mode admin token: ')) {
      adminToken = line.slice('Test-mode admin token: '.length);
      break;
    }
  }
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.ok(adminToken, 'the server printed its admin token');
  client = new SSOOIDCClient({ region: 'us-east-1', endpoint: url, maxAttempts: 1,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-used' } });
});

after(() => {
  server?.kill('SIGTERM');
  if (work) rmSync(work, { recursive: true, force: true });
});

async function admin(action, params) {
  const resp = await fetch(`${url}/ssooidc-test/${action}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${adminToken}`,
      'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
  });
  assert.equal(resp.status, 200, await resp.text());
}

async function startLogin() {
  const reg = await client.send(new RegisterClientCommand(
    { clientName: 'js-ci', clientType: 'public', scopes: ['sso:account:access'] }));
  const dev = await client.send(new StartDeviceAuthorizationCommand(
    { clientId: reg.clientId, clientSecret: reg.clientSecret, startUrl: START_URL }));
  const poll = () => client.send(new CreateTokenCommand({ clientId: reg.clientId,
    clientSecret: reg.clientSecret, grantType: DEVICE_GRANT, deviceCode: dev.deviceCode }));
  return { dev, poll };
}

test('a device login is approved with no person', async () => {
  const { poll } = await startLogin();
  const token = await poll();
  assert.match(token.accessToken, /^aoa/);
  assert.ok(token.refreshToken);
});

test('forced poll errors arrive as the modeled exceptions', async () => {
  const cases = [['SlowDownException', SlowDownException],
    ['AccessDeniedException', AccessDeniedException],
    ['ExpiredTokenException', ExpiredTokenException],
    ['InternalServerException', InternalServerException]];
  for (const [shape, cls] of cases) {
    const { dev, poll } = await startLogin();
    await admin('fail-polls', { error: shape, count: '1', user_code: dev.userCode });
    await assert.rejects(poll(), (e) => e instanceof cls && e.name === shape, shape);
    const token = await poll();  // only the next poll was forced
    assert.match(token.accessToken, /^aoa/);
  }
});
