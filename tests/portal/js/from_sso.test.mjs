// The AWS SDK for JavaScript v3 against the SSO portal API: `fromSSO` of
// @aws-sdk/credential-provider-sso reads an sso-session profile (sso_session, sso_account_id,
// sso_role_name) and the token cache, calls GetRoleCredentials on ssooidc-server (endpoint from
// AWS_ENDPOINT_URL_SSO), and the minted credentials then create and list an S3 bucket on
// moto_server. The login is a device flow approved with the operator command. A missing server,
// SDK or moto fails the test.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';

import { CreateBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { fromSSO } from '@aws-sdk/credential-provider-sso';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');
const serverBinary = process.env.SSOOIDC_SERVER || path.join(repoRoot, 'build/bin/ssooidc-server');
const python = process.env.PYTHON || 'python3';
const START_URL = 'https://d-0000000000.awsapps.com/start';
const ACCOUNT = '111111111111';

let work;
let server;
let serverUrl;
let moto;
let motoUrl;

function admin(...args) {
  const r = spawnSync(serverBinary, [...args, '--database', `sqlite:${work}/db.sqlite`],
    { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `ssooidc-server ${args.join(' ')}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

async function api(operation, body) {
  const res = await fetch(serverUrl + operation, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  });
  const json = await res.json();
  assert.equal(res.status, 200, `${operation}: ${JSON.stringify(json)}`);
  return json;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

before(async () => {
  assert.ok(existsSync(serverBinary), `server binary not found: ${serverBinary}`);
  work = mkdtempSync(path.join(tmpdir(), 'ssooidc-portal-js-'));
  writeFileSync(path.join(work, 'world.toml'), `[[users]]
name = "jsuser"
password = "correct horse battery staple"

[[accounts]]
id = "${ACCOUNT}"
name = "Production"
  [[accounts.roles]]
  name = "Deployer"
  session_duration = 7200

[[assignments]]
user = "jsuser"
account = "${ACCOUNT}"
role = "Deployer"
`);
  server = spawn(serverBinary, ['serve', '--listen', '127.0.0.1:0', '--database',
    `sqlite:${work}/db.sqlite`, '--world', path.join(work, 'world.toml'), '--no-bootstrap-user',
    '--access-log', 'off'], { stdio: ['ignore', 'pipe', 'inherit'] });
  serverUrl = await new Promise((resolve, reject) => {
    const lines = createInterface({ input: server.stdout });
    lines.once('line', resolve);
    server.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  assert.match(serverUrl, /^http:\/\/127\.0\.0\.1:\d+$/);

  // moto_server from the image's python (beside its interpreter), on a free loopback port.
  const motoExe = spawnSync(python, ['-c',
    'import os, sys; print(os.path.join(os.path.dirname(sys.executable), "moto_server"))'],
  { encoding: 'utf8' }).stdout.trim();
  assert.ok(motoExe && existsSync(motoExe), `moto_server not found (${motoExe}): python3 needs moto`);
  const port = await freePort();
  moto = spawn(motoExe, ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  motoUrl = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i += 1) {
    try {
      await fetch(`${motoUrl}/moto-api/`);
      break;
    } catch (e) {
      assert.ok(i < 300, `moto_server did not answer: ${e}`);
      await new Promise((r) => { setTimeout(r, 200); });
    }
  }
});

after(() => {
  server?.kill('SIGTERM');
  moto?.kill('SIGTERM');
  if (work && !process.env.SSOOIDC_E2E_KEEP) rmSync(work, { recursive: true, force: true });
});

test('fromSSO gets minted credentials that work against moto S3', async () => {
  const reg = await api('/client/register', {
    clientName: 'js-portal', clientType: 'public', scopes: ['sso:account:access'],
  });
  const dev = await api('/device_authorization', {
    clientId: reg.clientId, clientSecret: reg.clientSecret, startUrl: START_URL,
  });
  admin('device', 'approve', dev.userCode, '--user', 'jsuser');
  const token = await api('/token', {
    clientId: reg.clientId, clientSecret: reg.clientSecret,
    grantType: 'urn:ietf:params:oauth:grant-type:device_code', deviceCode: dev.deviceCode,
  });

  const home = path.join(work, 'home');
  const cache = path.join(home, '.aws', 'sso', 'cache');
  mkdirSync(cache, { recursive: true });
  const iso = (seconds) => new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  writeFileSync(path.join(cache, `${createHash('sha1').update('corp').digest('hex')}.json`),
    JSON.stringify({
      startUrl: START_URL, region: 'us-east-1', accessToken: token.accessToken,
      expiresAt: iso(Date.now() / 1000 + token.expiresIn), refreshToken: token.refreshToken,
      clientId: reg.clientId, clientSecret: reg.clientSecret,
      registrationExpiresAt: iso(reg.clientSecretExpiresAt),
    }));
  const config = path.join(work, 'config');
  writeFileSync(config, `[profile js]
sso_session = corp
sso_account_id = ${ACCOUNT}
sso_role_name = Deployer
region = us-east-1

[sso-session corp]
sso_start_url = ${START_URL}
sso_region = us-east-1
sso_registration_scopes = sso:account:access
`);
  for (const key of Object.keys(process.env)) if (key.startsWith('AWS_')) delete process.env[key];
  Object.assign(process.env, {
    HOME: home, AWS_CONFIG_FILE: config,
    AWS_SHARED_CREDENTIALS_FILE: path.join(work, 'credentials'),
    AWS_ENDPOINT_URL_SSO: serverUrl, AWS_EC2_METADATA_DISABLED: 'true',
  });

  const credentials = await fromSSO({ profile: 'js' })();
  assert.match(credentials.accessKeyId, /^ASIA[A-Z]{16}$/);
  assert.equal(credentials.secretAccessKey.length, 40);
  assert.ok(credentials.sessionToken.length > 100);
  const remaining = credentials.expiration.getTime() / 1000 - Date.now() / 1000;
  assert.ok(remaining > 7200 - 120 && remaining <= 7205, `expires in ${remaining} s`);

  const s3 = new S3Client({
    region: 'us-east-1', endpoint: motoUrl, forcePathStyle: true, credentials,
  });
  await s3.send(new CreateBucketCommand({ Bucket: 'from-js-sdk' }));
  const listed = await s3.send(new ListBucketsCommand({}));
  assert.ok(listed.Buckets.some((b) => b.Name === 'from-js-sdk'));
  assert.match(admin('credentials', 'list', '--user', 'jsuser'), new RegExp(credentials.accessKeyId));
});
