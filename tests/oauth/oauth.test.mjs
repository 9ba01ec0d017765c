// The standard OAuth 2.0 / OpenID Connect face (issue 14) driven by real clients from npm:
// openid-client 6 for the flows (discovery, the device grant approved in Chromium, the
// authorization code grant with PKCE, state and nonce against a loopback redirect, refresh,
// userinfo, revocation, introspection), oauth4webapi 3 for every RFC 6749 5.2 / RFC 8628 error
// the server produces, and both faces at once (a token of one face works in the other; a device
// code is redeemed once, whichever face asks). Chromium, the server and the modules must exist:
// nothing here skips.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import * as client from 'openid-client';
import * as oauth from 'oauth4webapi';
import {
  callApi, enterCodeAndSignIn, launchChromium, screenshot, startServer,
} from '../browser/lib/harness.mjs';

const PASSWORD = 'correct horse battery staple';
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const insecure = { execute: [client.allowInsecureRequests] };
const loose = { [oauth.allowInsecureRequests]: true };

// The secret `client add` prints once.
function addClient(server, ...args) {
  const out = server.admin('client', 'add', ...args);
  const secret = /^client_secret: (\S+)$/m.exec(out);
  return secret ? secret[1] : null;
}

// Approves a device login on the pages, as the person would.
async function approveInBrowser(browser, device, name) {
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await enterCodeAndSignIn(page, { verificationUri: device.verification_uri, userCode: device.user_code },
      'alice', PASSWORD);
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.getByRole('heading', { name: 'Device allowed' }).waitFor();
    await screenshot(page, `oauth-${name}`);
  } finally {
    await context.close();
  }
}

// A loopback redirect target (RFC 8252 7.3) that hands over the first callback URL it gets.
async function loopbackRedirect() {
  let deliver;
  const received = new Promise((resolve) => { deliver = resolve; });
  const http = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end('You can close this window.\n');
    deliver(new URL(req.url, `http://127.0.0.1:${http.address().port}`));
  });
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    uri: `http://127.0.0.1:${http.address().port}/callback`,
    received,
    close: () => new Promise((resolve) => http.close(resolve)),
  };
}

// The error oauth4webapi raises for `promise`, which must reject.
async function rejection(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail('expected the client to raise an error');
}

async function expectBodyError(promise, code, status = 400) {
  const e = await rejection(promise);
  assert.ok(e instanceof oauth.ResponseBodyError, `${code}: got ${e}`);
  assert.equal(e.error, code);
  assert.equal(e.status, status);
  assert.equal(typeof e.error_description, 'string');
  assert.equal(e.response.headers.get('cache-control'), 'no-store');
  return e;
}

describe('standard face with openid-client', () => {
  let server;
  let browser;
  let issuer;
  let resourceSecret;
  let publicConfig;
  let resourceConfig;

  before(async () => {
    server = await startServer({ users: { alice: PASSWORD } });
    browser = await launchChromium();
    issuer = new URL(server.url);
    assert.equal(addClient(server, 'cli-tool', '--public', '--name', 'CLI tool',
      '--redirect-uri', 'http://127.0.0.1/callback', '--grant', 'authorization_code',
      '--grant', 'refresh_token', '--grant', DEVICE_GRANT), null, 'a public client has no secret');
    resourceSecret = addClient(server, 'resource-api', '--name', 'Resource server');
    assert.match(resourceSecret, /^[A-Za-z0-9_-]{80,}$/);
    assert.match(server.admin('client', 'list'), /cli-tool\s+public[\s\S]*resource-api\s+confidential/);
    publicConfig = await client.discovery(issuer, 'cli-tool', undefined, client.None(), insecure);
    resourceConfig = await client.discovery(issuer, 'resource-api', resourceSecret, undefined, insecure);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('discovery: both documents list what is served, issuer as in the ID tokens', async () => {
    const meta = publicConfig.serverMetadata();
    assert.equal(meta.issuer, server.url);
    assert.equal(meta.device_authorization_endpoint, `${server.url}/device_authorization`);
    assert.deepEqual(meta.grant_types_supported,
      ['authorization_code', 'refresh_token', DEVICE_GRANT]);
    assert.deepEqual(meta.token_endpoint_auth_methods_supported,
      ['client_secret_basic', 'client_secret_post', 'none']);
    assert.deepEqual(meta.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(meta.id_token_signing_alg_values_supported, ['ES256']);
    const rfc8414 = await (await fetch(`${server.url}/.well-known/oauth-authorization-server`)).json();
    assert.deepEqual(rfc8414, await (await fetch(`${server.url}/.well-known/openid-configuration`)).json());
  });

  test('device grant end to end, approved in Chromium; refresh; userinfo; revocation; introspection', async () => {
    const device = await client.initiateDeviceAuthorization(publicConfig, { scope: 'openid sso:account:access' });
    assert.match(device.user_code, /^[A-Z]{4}-[A-Z]{4}$/);
    assert.equal(device.verification_uri, `${server.url}/device`);
    const polled = client.pollDeviceAuthorizationGrant(publicConfig, device);
    await approveInBrowser(browser, device, 'device-approved');
    const tokens = await polled;
    assert.equal(tokens.token_type.toLowerCase(), 'bearer');
    assert.equal(tokens.scope, 'openid sso:account:access');
    const claims = tokens.claims();
    assert.equal(claims.iss, server.url);
    assert.equal(claims.aud, 'cli-tool');
    assert.equal(claims.sub, 'alice');
    assert.equal(claims.nonce, undefined, 'no nonce was sent, none in the token');

    // The same token is accepted by the SSO portal API (the AWS face's resource).
    const accounts = await fetch(`${server.url}/assignment/accounts?max_result=10`,
      { headers: { 'x-amz-sso_bearer_token': tokens.access_token } });
    assert.equal(accounts.status, 200, await accounts.text());

    const info = await client.fetchUserInfo(publicConfig, tokens.access_token, 'alice');
    assert.equal(info.sub, 'alice');

    const refreshed = await client.refreshTokenGrant(publicConfig, tokens.refresh_token);
    assert.notEqual(refreshed.access_token, tokens.access_token);
    assert.equal(refreshed.claims().sub, 'alice');

    const active = await client.tokenIntrospection(resourceConfig, refreshed.access_token);
    assert.equal(active.active, true);
    assert.equal(active.client_id, 'cli-tool');
    assert.equal(active.username, 'alice');
    assert.equal(active.scope, 'openid sso:account:access');

    await client.tokenRevocation(publicConfig, refreshed.refresh_token);
    const revoked = await rejection(client.refreshTokenGrant(publicConfig, refreshed.refresh_token));
    assert.ok(revoked instanceof client.ResponseBodyError, String(revoked));
    assert.equal(revoked.error, 'invalid_grant');
    const inactive = await client.tokenIntrospection(resourceConfig, refreshed.access_token);
    assert.deepEqual(inactive, { active: false });
    const gone = await rejection(client.fetchUserInfo(publicConfig, refreshed.access_token, 'alice'));
    assert.equal(gone.status, 401, String(gone));
  });

  test('authorization code + PKCE with state and nonce against a loopback redirect', async () => {
    const redirect = await loopbackRedirect();
    const context = await browser.newContext();
    try {
      const verifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const nonce = client.randomNonce();
      const url = client.buildAuthorizationUrl(publicConfig, {
        redirect_uri: redirect.uri,
        scope: 'openid sso:account:access',
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });
      const page = await context.newPage();
      await page.goto(url.href);
      await page.getByLabel('Username').fill('alice');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('button', { name: 'Allow' }).waitFor();
      assert.match(await page.locator('main').innerText(), /CLI tool/);
      await page.getByRole('button', { name: 'Allow' }).click();
      const callback = await redirect.received;
      assert.equal(callback.searchParams.get('state'), state);
      const tokens = await client.authorizationCodeGrant(publicConfig, callback, {
        pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true,
      });
      const claims = tokens.claims();
      assert.equal(claims.nonce, nonce);
      assert.equal(claims.iss, server.url);
      assert.equal(typeof claims.auth_time, 'number');
      assert.equal(tokens.scope, 'openid sso:account:access');
      const refreshed = await client.refreshTokenGrant(publicConfig, tokens.refresh_token);
      assert.equal(refreshed.claims().nonce, undefined, 'OpenID Connect Core 12.2: no nonce on refresh');
      // The code is single use: a second exchange is invalid_grant.
      const again = await rejection(client.authorizationCodeGrant(publicConfig, callback, {
        pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce,
      }));
      assert.equal(again.error, 'invalid_grant', String(again));
    } finally {
      await context.close();
      await redirect.close();
    }
  });

  test('cross-face: tokens and device codes are shared by both dialects', async () => {
    const reg = await callApi(server.url, '/client/register', {
      clientName: 'both-faces', clientType: 'public', scopes: ['openid', 'sso:account:access'],
    });
    assert.equal(reg.status, 200);
    const { clientId, clientSecret } = reg.json;
    const config = await client.discovery(issuer, clientId, clientSecret, client.ClientSecretBasic(clientSecret), insecure);
    const as = config.serverMetadata();
    const awsClient = { client_id: clientId };
    const basic = oauth.ClientSecretBasic(clientSecret);

    // Standard face start and redemption; the refresh token refreshes through the AWS face.
    const device = await client.initiateDeviceAuthorization(config, { scope: 'openid sso:account:access' });
    server.admin('device', 'approve', device.user_code, '--user', 'alice');
    const standard = await client.pollDeviceAuthorizationGrant(config, device);
    const awsRefresh = await callApi(server.url, '/token', {
      clientId, clientSecret, grantType: 'refresh_token', refreshToken: standard.refresh_token,
    });
    assert.equal(awsRefresh.status, 200, JSON.stringify(awsRefresh));
    assert.equal(awsRefresh.json.idToken, undefined, 'the AWS refresh grant has no idToken');
    // ... and the device code, redeemed here, is used up for the AWS face too.
    const awsAgain = await callApi(server.url, '/token', {
      clientId, clientSecret, grantType: DEVICE_GRANT, deviceCode: device.device_code,
    });
    assert.equal(awsAgain.errorType, 'InvalidGrantException', JSON.stringify(awsAgain));

    // AWS face start and redemption; the refresh token refreshes through the standard face.
    const started = await callApi(server.url, '/device_authorization', {
      clientId, clientSecret, startUrl: 'https://d-0000000000.awsapps.com/start',
    });
    server.admin('device', 'approve', started.json.userCode, '--user', 'alice');
    const aws = await callApi(server.url, '/token', {
      clientId, clientSecret, grantType: DEVICE_GRANT, deviceCode: started.json.deviceCode,
    });
    assert.equal(aws.status, 200, JSON.stringify(aws));
    const viaStandard = await client.refreshTokenGrant(config, aws.json.refreshToken);
    assert.equal(viaStandard.claims().sub, 'alice');
    const info = await client.fetchUserInfo(config, aws.json.accessToken, 'alice');
    assert.equal(info.sub, 'alice');
    const standardAgain = oauth.processDeviceCodeResponse(as, awsClient,
      await oauth.deviceCodeGrantRequest(as, awsClient, basic, started.json.deviceCode, loose));
    await expectBodyError(standardAgain, 'invalid_grant');
  });
});

describe('standard face errors with oauth4webapi', () => {
  let server;
  let as;
  let resourceSecret;
  const publicClient = { client_id: 'cli-tool' };
  const resource = { client_id: 'resource-api' };

  before(async () => {
    // A longer interval, so that three quick polls are certainly too quick, and the shortest
    // device code lifetime, for expired_token.
    server = await startServer({ users: { alice: PASSWORD }, args: ['--poll-interval', '5', '--device-code-ttl', '10'] });
    addClient(server, 'cli-tool', '--public', '--grant', DEVICE_GRANT, '--grant', 'refresh_token');
    resourceSecret = addClient(server, 'resource-api');
    const issuer = new URL(server.url);
    as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, loose));
  });

  after(async () => { await server?.stop(); });

  const startDevice = async () => oauth.processDeviceAuthorizationResponse(as, publicClient,
    await oauth.deviceAuthorizationRequest(as, publicClient, oauth.None(), new URLSearchParams({ scope: 'openid' }), loose));
  const poll = async (deviceCode) => oauth.processDeviceCodeResponse(as, publicClient,
    await oauth.deviceCodeGrantRequest(as, publicClient, oauth.None(), deviceCode, loose));

  test('invalid_client is 401 with a WWW-Authenticate challenge', async () => {
    const e = await rejection(oauth.processRefreshTokenResponse(as, resource,
      await oauth.refreshTokenGrantRequest(as, resource, oauth.ClientSecretBasic('wrong'), 'x', loose)));
    assert.ok(e instanceof oauth.WWWAuthenticateChallengeError, String(e));
    assert.equal(e.status, 401);
    assert.equal(e.cause[0].scheme, 'basic');
    assert.equal(e.cause[0].parameters.realm, 'ssooidc');
    const body = await e.response.json();
    assert.equal(body.error, 'invalid_client');
    // A confidential client naming itself without its secret is refused the same way.
    const unnamed = await rejection(oauth.processRefreshTokenResponse(as, resource,
      await oauth.refreshTokenGrantRequest(as, resource, oauth.None(), 'x', loose)));
    assert.equal(unnamed.status, 401);
  });

  test('invalid_grant, invalid_request, unsupported_grant_type, unauthorized_client, invalid_scope', async () => {
    const secret = oauth.ClientSecretPost(resourceSecret);
    await expectBodyError(oauth.processRefreshTokenResponse(as, resource,
      await oauth.refreshTokenGrantRequest(as, resource, secret, 'not-a-refresh-token', loose)), 'invalid_grant');
    await expectBodyError(oauth.processGenericTokenEndpointResponse(as, resource,
      await oauth.genericTokenEndpointRequest(as, resource, secret, DEVICE_GRANT, new URLSearchParams(), loose)),
    'invalid_request');
    await expectBodyError(oauth.processGenericTokenEndpointResponse(as, resource,
      await oauth.genericTokenEndpointRequest(as, resource, secret, 'password',
        new URLSearchParams({ username: 'alice', password: PASSWORD }), loose)), 'unsupported_grant_type');
    await expectBodyError(oauth.processGenericTokenEndpointResponse(as, resource,
      await oauth.genericTokenEndpointRequest(as, resource, secret, 'authorization_code',
        new URLSearchParams({ code: 'c', redirect_uri: 'http://127.0.0.1/cb', code_verifier: 'v'.repeat(43) }), loose)),
    'unauthorized_client');
    await expectBodyError(oauth.processDeviceAuthorizationResponse(as, publicClient,
      await oauth.deviceAuthorizationRequest(as, publicClient, oauth.None(),
        new URLSearchParams({ scope: 'openid admin' }), loose)), 'invalid_scope');
  });

  test('authorization_pending, slow_down, access_denied, expired_token', async () => {
    const pending = await startDevice();
    await expectBodyError(poll(pending.device_code), 'authorization_pending');
    await expectBodyError(poll(pending.device_code), 'authorization_pending');
    await expectBodyError(poll(pending.device_code), 'slow_down');

    const denied = await startDevice();
    server.admin('device', 'deny', denied.user_code, '--user', 'alice');
    await expectBodyError(poll(denied.device_code), 'access_denied');

    // Waits for the ten-second code to expire: a condition, not a timed assertion.
    const expiring = await startDevice();
    const deadline = Date.now() + 60_000;
    let last;
    while (Date.now() < deadline) {
      last = await rejection(poll(expiring.device_code));
      if (last.error === 'expired_token') break;
      assert.ok(['authorization_pending', 'slow_down'].includes(last.error), String(last));
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
    assert.equal(last.error, 'expired_token');
    assert.equal(last.status, 400);
  });

  test('client remove: the client and its logins are gone at once', async () => {
    server.admin('client', 'add', 'short-lived', '--public', '--grant', DEVICE_GRANT);
    const shortLived = { client_id: 'short-lived' };
    const started = await oauth.processDeviceAuthorizationResponse(as, shortLived,
      await oauth.deviceAuthorizationRequest(as, shortLived, oauth.None(), new URLSearchParams(), loose));
    assert.match(server.admin('client', 'remove', 'short-lived'), /Removed client short-lived/);
    assert.doesNotMatch(server.admin('client', 'list'), /short-lived/);
    const e = await rejection(oauth.processDeviceCodeResponse(as, shortLived,
      await oauth.deviceCodeGrantRequest(as, shortLived, oauth.None(), started.device_code, loose)));
    assert.equal(e.status, 401, String(e));
  });
});
