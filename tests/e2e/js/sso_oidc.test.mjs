// End-to-end test: the AWS SDK for JavaScript v3 (@aws-sdk/client-sso-oidc) against a real
// ssooidc-server on 127.0.0.1:0 with a fresh SQLite file. Devices are approved with the
// `ssooidc-server device approve` operator command on the same database.
//
// SSOOIDC_SERVER names the server binary (CTest passes the built target); without it the test
// looks for <repo>/build/bin/ssooidc-server and fails if that is missing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtempSync, rmSync, accessSync, constants, openSync, closeSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  SSOOIDCClient,
  RegisterClientCommand,
  StartDeviceAuthorizationCommand,
  CreateTokenCommand,
  CreateTokenWithIAMCommand,
  AuthorizationPendingException,
  AccessDeniedException,
  InvalidClientException,
  InvalidClientMetadataException,
  InvalidGrantException,
  SlowDownException,
  UnauthorizedClientException,
} from '@aws-sdk/client-sso-oidc';

const here = dirname(fileURLToPath(import.meta.url));
const serverBinary =
  process.env.SSOOIDC_SERVER || resolve(here, '..', '..', '..', 'build', 'bin', 'ssooidc-server');
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const START_URL = 'https://d-0000000000.awsapps.com/start';
const PUBLIC_URL = 'http://sso.e2e.example:8443';
const ERROR_TYPE_SUFFIX = ':http://internal.amazon.com/coral/com.amazonaws.sso.oidc/';
const USER_CODE_RE = /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/;

let workDir;
let database;
let server;
let serverUrl;
let client;

// The environment for child processes, with no SSOOIDC_* or AWS_* settings leaking in.
function childEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('SSOOIDC_') && !k.startsWith('AWS_')) env[k] = v;
  }
  return env;
}

function startServer() {
  const logFd = openSync(join(workDir, 'server.stderr'), 'w');
  const child = spawn(
    serverBinary,
    ['serve', '--listen', '127.0.0.1:0', '--public-url', PUBLIC_URL, '--database', database],
    { stdio: ['ignore', 'pipe', logFd], env: childEnv() },
  );
  closeSync(logFd);
  return new Promise((resolvePromise, reject) => {
    // Behind the replicas stand-in a start is three replicas and an nginx (ssooidc_harness.py).
    const seconds = process.env.SSOOIDC_E2E_BACKEND === 'replicated-postgres' ? 120 : 30;
    const timer = setTimeout(
      () => reject(new Error(`server printed no URL within ${seconds} s`)), seconds * 1000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited ${code} before printing its URL: ${serverLog()}`));
    });
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      clearTimeout(timer);
      child.removeAllListeners('exit');
      lines.on('line', () => {}); // keep draining
      resolvePromise({ child, url: line.trim() });
    });
  });
}

function serverLog() {
  try {
    return readFileSync(join(workDir, 'server.stderr'), 'utf8').split('\n').slice(-30).join('\n');
  } catch {
    return '';
  }
}

function approve(userCode) {
  execFileSync(serverBinary, ['device', 'approve', userCode, '--user', 'admin', '--database', database],
    { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'], timeout: 60000 });
}

function deny(userCode) {
  execFileSync(serverBinary, ['device', 'deny', userCode, '--database', database],
    { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'], timeout: 60000 });
}

// Awaits `promise`, which must reject with the modeled exception class `cls`; returns the error.
async function expectError(promise, cls, status, oauthError) {
  let caught;
  try {
    await promise;
  } catch (e) {
    caught = e;
  }
  assert.ok(caught, `expected ${cls.name}, but the call succeeded`);
  assert.ok(caught instanceof cls, `expected ${cls.name}, got ${caught.name}: ${caught.message}`);
  assert.equal(caught.name, cls.name);
  assert.equal(caught.$metadata.httpStatusCode, status);
  assert.match(caught.$metadata.requestId ?? '', /^[0-9a-f-]{36}$/);
  assert.equal(caught.error, oauthError);
  assert.equal(typeof caught.error_description, 'string');
  assert.ok(caught.error_description.length > 0);
  assert.equal(caught.$response?.headers?.['x-amzn-errortype'], cls.name + ERROR_TYPE_SUFFIX);
  return caught;
}

before(async () => {
  accessSync(serverBinary, constants.X_OK); // throws (fails the suite) when the binary is missing
  workDir = mkdtempSync(join(tmpdir(), 'ssooidc-e2e-js-'));
  database = 'sqlite:' + join(workDir, 'e2e.db');
  ({ child: server, url: serverUrl } = await startServer());
  assert.match(serverUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
  client = new SSOOIDCClient({
    region: 'us-east-1',
    endpoint: serverUrl,
    maxAttempts: 1,
    // Only CreateTokenWithIAM is signed; dummy keys keep the SDK away from real credentials.
    credentials: { accessKeyId: 'AKIDEXAMPLEE2E00000', secretAccessKey: 'e2e-dummy-secret' },
  });
});

after(async () => {
  client?.destroy();
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server.once('exit', (code, signal) => r({ code, signal })));
    server.kill('SIGTERM');
    const { code } = await exited;
    assert.equal(code, 0, `server exited ${code} on SIGTERM: ${serverLog()}`);
  }
  if (workDir && !process.env.SSOOIDC_E2E_KEEP) rmSync(workDir, { recursive: true, force: true });
});

test('register, start, pending, approve, token, refresh', async () => {
  const reg = await client.send(new RegisterClientCommand({
    clientName: 'e2e-js', clientType: 'public', scopes: ['sso:account:access'],
  }));
  assert.equal(reg.$metadata.httpStatusCode, 200);
  assert.equal(typeof reg.clientId, 'string');
  assert.equal(typeof reg.clientSecret, 'string');
  assert.equal(typeof reg.clientIdIssuedAt, 'number');
  assert.equal(reg.clientSecretExpiresAt - reg.clientIdIssuedAt, 90 * 24 * 3600);

  const creds = { clientId: reg.clientId, clientSecret: reg.clientSecret };
  const dev = await client.send(new StartDeviceAuthorizationCommand({ ...creds, startUrl: START_URL }));
  assert.match(dev.userCode, USER_CODE_RE);
  assert.equal(dev.verificationUri, PUBLIC_URL + '/device');
  assert.equal(dev.verificationUriComplete, `${PUBLIC_URL}/device?user_code=${dev.userCode}`);
  assert.equal(dev.expiresIn, 600);
  assert.equal(dev.interval, 1);

  const poll = () => client.send(new CreateTokenCommand({
    ...creds, grantType: DEVICE_GRANT, deviceCode: dev.deviceCode,
  }));
  await expectError(poll(), AuthorizationPendingException, 400, 'authorization_pending');

  approve(dev.userCode);
  const token = await poll();
  assert.equal(token.tokenType, 'Bearer');
  assert.equal(token.expiresIn, 3600);
  assert.equal(typeof token.accessToken, 'string');
  assert.equal(typeof token.refreshToken, 'string');
  assert.equal(token.idToken, undefined);

  // A retried redemption within the grace window gets the same tokens (issue 11 item 8).
  assert.equal((await poll()).accessToken, token.accessToken);

  const refresh = (refreshToken) => client.send(new CreateTokenCommand({
    ...creds, grantType: 'refresh_token', refreshToken,
  }));
  const refreshed = await refresh(token.refreshToken);
  assert.equal(refreshed.tokenType, 'Bearer');
  assert.equal(refreshed.expiresIn, 3600);
  assert.notEqual(refreshed.refreshToken, token.refreshToken);
  assert.notEqual(refreshed.accessToken, token.accessToken);
  const newest = await refresh(refreshed.refreshToken);
  // The device code and the first refresh token are spent once what they gave has been used;
  // replaying the token is reuse: refused, and the newest token is revoked with it.
  await expectError(poll(), InvalidGrantException, 400, 'invalid_grant');
  await expectError(refresh(token.refreshToken), InvalidGrantException, 400, 'invalid_grant');
  await expectError(refresh(newest.refreshToken), InvalidGrantException, 400, 'invalid_grant');
});

test('slow_down after two free polls, then denial', async () => {
  const reg = await client.send(new RegisterClientCommand({ clientName: 'e2e-js-2', clientType: 'public' }));
  const creds = { clientId: reg.clientId, clientSecret: reg.clientSecret };
  const dev = await client.send(new StartDeviceAuthorizationCommand({ ...creds, startUrl: START_URL }));
  const poll = () => client.send(new CreateTokenCommand({
    ...creds, grantType: DEVICE_GRANT, deviceCode: dev.deviceCode,
  }));
  await expectError(poll(), AuthorizationPendingException, 400, 'authorization_pending');
  await expectError(poll(), AuthorizationPendingException, 400, 'authorization_pending');
  await expectError(poll(), SlowDownException, 400, 'slow_down');
  deny(dev.userCode);
  await expectError(poll(), AccessDeniedException, 400, 'access_denied');
  // A legacy (unscoped) registration may not refresh.
  await expectError(client.send(new CreateTokenCommand({
    ...creds, grantType: 'refresh_token', refreshToken: 'aor-x',
  })), UnauthorizedClientException, 400, 'unauthorized_client');
});

test('client errors', async () => {
  await expectError(client.send(new RegisterClientCommand({ clientName: 'x', clientType: 'confidential' })),
    InvalidClientMetadataException, 400, 'invalid_client_metadata');
  await expectError(client.send(new StartDeviceAuthorizationCommand({
    clientId: 'unknown', clientSecret: 'wrong', startUrl: START_URL,
  })), InvalidClientException, 401, 'invalid_client');
  // CreateTokenWithIAM is SigV4 signed; this server has no IAM applications.
  await expectError(client.send(new CreateTokenWithIAMCommand({
    clientId: 'arn:aws:sso::123456789012:application/ssoins-1111111111111111/apl-2222222222222222',
    grantType: 'authorization_code', code: 'c', redirectUri: 'https://app.example.com/cb',
  })), InvalidClientException, 401, 'invalid_client');
});
