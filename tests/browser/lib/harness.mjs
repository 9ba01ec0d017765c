// Shared by the browser tests (tests/browser) and the AWS CLI / botocore end-to-end tests
// (tests/sso_login): starts the real server on 127.0.0.1:0, talks to its API, and launches
// Debian's Chromium through playwright-core.
//
// Environment:
//   SSOOIDC_SERVER     path of ssooidc-server (CTest sets it; default: <repo>/build/bin/...)
//   SSOOIDC_ARTIFACTS  where screenshots go (CTest sets <build>/screenshots)
//   CHROMIUM           browser binary (default /usr/bin/chromium)
// A missing browser or server binary fails the test: nothing here skips.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../../..');
export const serverBinary =
  process.env.SSOOIDC_SERVER || path.join(repoRoot, 'build/bin/ssooidc-server');
export const artifactsDir =
  process.env.SSOOIDC_ARTIFACTS || path.join(repoRoot, 'build/screenshots');
export const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export function tempDir(prefix) {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

// How long a start (and an operator command) may take. Behind the replicas stand-in
// (tests/replicas) a `serve` is three replicas migrating one schema and an nginx; under ASan at
// four tests at a time that took longer than 15 s, as in the Python harness (START_TIMEOUT).
const kStartTimeoutMs = 120_000;

function runServerCommand(args, input) {
  if (!existsSync(serverBinary)) throw new Error(`server binary not found: ${serverBinary}`);
  const r = spawnSync(serverBinary, args, { input, encoding: 'utf8', timeout: kStartTimeoutMs });
  if (r.status !== 0) {
    throw new Error(`ssooidc-server ${args.join(' ')} failed (${r.status}): ${r.stderr}${r.stdout}`);
  }
  return r.stdout;
}

// A running server with its own database in a temporary directory. `users` are created before
// it starts ({name: password}); extra `args` go to `serve`.
// The environment for an AWS tool run by a test: HOME and the config files under the test's own
// directories, and nothing from the caller's AWS_* variables, BROWSER or real ~/.aws.
export function cleanAwsEnv(home, work) {
  return {
    PATH: process.env.PATH,
    LANG: 'C.UTF-8',
    HOME: home,
    AWS_CONFIG_FILE: path.join(work, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(work, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

export async function startServer({ users = {}, args = [] } = {}) {
  const dir = tempDir('ssooidc-test-');
  const database = `sqlite:${path.join(dir, 'ssooidc.db')}`;
  for (const [name, password] of Object.entries(users)) {
    runServerCommand(['user', 'add', name, '--password-stdin', '--database', database], `${password}\n`);
  }
  const child = spawn(
    serverBinary,
    ['serve', '--listen', '127.0.0.1:0', '--database', database, '--access-log', 'off', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      // A server that never printed its URL is stopped (SIGTERM: the replicas stand-in stops its
      // replicas and nginx then), or its pipes would keep this test's
      // process alive until CTest's timeout.
      child.kill('SIGTERM');
      reject(new Error(`server did not start in ${kStartTimeoutMs / 1000} s: ${stderr}`));
    }, kStartTimeoutMs);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited (${code}): ${stderr}`)); });
    lines.once('line', (line) => { clearTimeout(timer); resolve(line.trim()); });
  });
  if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(url)) throw new Error(`unexpected first line: ${url}`);
  return {
    url,
    database,
    dir,
    admin(...cmd) { return runServerCommand([...cmd, '--database', database]); },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function callApi(url, operation, body) {
  const resp = await fetch(url + operation, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await resp.text();
  return {
    status: resp.status,
    errorType: (resp.headers.get('x-amzn-errortype') || '').split(':')[0],
    json: text ? JSON.parse(text) : {},
  };
}

// Registers a client named `clientName` and starts a device authorization for it.
export async function startDevice(url, clientName = 'botocore-client-browser-test') {
  const reg = await callApi(url, '/client/register', { clientName, clientType: 'public' });
  if (reg.status !== 200) throw new Error(`RegisterClient: ${JSON.stringify(reg)}`);
  const { clientId, clientSecret } = reg.json;
  const start = await callApi(url, '/device_authorization', {
    clientId, clientSecret, startUrl: 'https://d-0000000000.awsapps.com/start',
  });
  if (start.status !== 200) throw new Error(`StartDeviceAuthorization: ${JSON.stringify(start)}`);
  return { clientId, clientSecret, ...start.json };
}

// One CreateToken poll with the device code: {status, errorType, json}.
export function pollToken(url, device) {
  return callApi(url, '/token', {
    grantType: 'urn:ietf:params:oauth:grant-type:device_code',
    clientId: device.clientId,
    clientSecret: device.clientSecret,
    deviceCode: device.deviceCode,
  });
}

export async function launchChromium() {
  if (!existsSync(chromiumPath)) {
    throw new Error(`Chromium not found at ${chromiumPath}: apt-get install -y chromium`);
  }
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: CHROMIUM_ARGS });
}

export async function screenshot(page, name) {
  mkdirSync(artifactsDir, { recursive: true });
  const file = path.join(artifactsDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

// Types a code, signs in when asked, and stops on the confirmation page.
export async function enterCodeAndSignIn(page, { verificationUri, userCode }, user, password) {
  await page.goto(verificationUri);
  await page.getByLabel('Code').fill(userCode);
  await page.getByRole('button', { name: 'Next' }).click();
  if (await page.getByLabel('Username').count()) {
    await page.getByLabel('Username').fill(user);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }
}

// Starts a server and launches Chromium; if either fails, whatever was started is stopped before
// the error propagates, so a failed set-up cannot leave a process that keeps the test run alive.
export async function startServerAndBrowser(serverOptions) {
  const server = await startServer(serverOptions);
  try {
    return { server, browser: await launchChromium() };
  } catch (e) {
    await server.stop();
    throw e;
  }
}
