// node-oidc-provider (package.json pins it), the peer bench/run_wrk.sh measures ssooidc-server
// beside: the device flow only (RFC 8628), dynamic registration, refresh tokens, ES256 ID tokens,
// on the provider's shipped in-memory adapter.
//
//   node bench/peer/server.mjs
//
// Prints two lines on stdout: the provider's URL, then the URL of a preparation port that only
// the benchmark uses (never the provider's own routes):
//   POST /prepare?kind=device|device-openid|refresh&count=N
//     N approved device codes (scope offline_access, or openid offline_access: with an ID token)
//     or N refresh tokens (scope offline_access), one a line, made through the provider's own
//     models (Grant, DeviceCode, RefreshToken) as its consent step would make them.
//   POST /pending   one pending device code (nobody approves it)
//
// The adapter is the shipped MemoryAdapter; only its LRU is made larger than the 1,000 entries
// the provider's default gives it, so that the codes prepared for a run are still there when
// wrk asks for them.
import crypto from 'node:crypto';
import http from 'node:http';

import Provider from 'oidc-provider';
import MemoryAdapter from 'oidc-provider/lib/adapters/memory_adapter.js';
import LRU from 'oidc-provider/lib/helpers/lru.js';

const store = new LRU({ maxSize: 20_000_000 });

const clientId = 'bench-client';
const account = 'bench-user';
const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'bench-es256', alg: 'ES256', use: 'sig' };

const listen = (server) => new Promise((resolve) => {
  server.listen(0, '127.0.0.1', () => resolve(server.address().port));
});

const providerServer = http.createServer();
const port = await listen(providerServer);
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    token_endpoint_auth_method: 'none',
    grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
    response_types: [],
    redirect_uris: [],
    id_token_signed_response_alg: 'ES256',
  }],
  adapter: (model) => new MemoryAdapter(model, store),
  jwks: { keys: [jwk] },
  enabledJWA: { idTokenSigningAlgValues: ['ES256'] },
  scopes: ['openid', 'offline_access'],
  features: {
    devInteractions: { enabled: false },
    deviceFlow: { enabled: true },
    registration: { enabled: true, idFactory: () => crypto.randomUUID() },
    revocation: { enabled: false },
  },
  clientDefaults: {
    grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
    response_types: [],
    token_endpoint_auth_method: 'none',
    id_token_signed_response_alg: 'ES256',
  },
  ttl: { DeviceCode: 3600, RefreshToken: 86400, AccessToken: 3600, IdToken: 3600, Grant: 86400 },
  // The bench polls as fast as it can, as ssooidc-server runs with --poll-interval 0.
  async findAccount(ctx, sub) {
    return { accountId: sub, async claims() { return { sub }; } };
  },
});
provider.on('server_error', (ctx, err) => { console.error('server_error', err); });
providerServer.on('request', provider.callback());

async function approvedDeviceCode(scope) {
  const grant = new provider.Grant({ accountId: account, clientId });
  grant.addOIDCScope(scope);
  const grantId = await grant.save();
  const code = new provider.DeviceCode({
    clientId,
    grantId,
    accountId: account,
    authTime: Math.floor(Date.now() / 1000),
    scope,
    params: { client_id: clientId, scope },
    userCode: crypto.randomBytes(6).toString('hex'),
    deviceInfo: { ip: '127.0.0.1', ua: 'bench' },
  });
  return code.save();
}

async function refreshToken() {
  const scope = 'offline_access';
  const grant = new provider.Grant({ accountId: account, clientId });
  grant.addOIDCScope(scope);
  const grantId = await grant.save();
  const token = new provider.RefreshToken({
    clientId,
    grantId,
    accountId: account,
    authTime: Math.floor(Date.now() / 1000),
    scope,
    gty: 'device_code',
    rotations: 0,
  });
  return token.save();
}

async function pendingDeviceCode() {
  const code = new provider.DeviceCode({
    clientId,
    scope: 'openid',
    params: { client_id: clientId, scope: 'openid' },
    userCode: crypto.randomBytes(6).toString('hex'),
    deviceInfo: { ip: '127.0.0.1', ua: 'bench' },
  });
  return code.save();
}

const makers = {
  device: () => approvedDeviceCode('offline_access'),
  'device-openid': () => approvedDeviceCode('openid offline_access'),
  refresh: refreshToken,
};

const prepareServer = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url, 'http://localhost');
    if (req.method === 'POST' && url.pathname === '/pending') {
      res.end(`${await pendingDeviceCode()}\n`);
      return;
    }
    const make = makers[url.searchParams.get('kind')];
    const count = Number(url.searchParams.get('count'));
    if (req.method !== 'POST' || url.pathname !== '/prepare' || !make || !(count > 0)) {
      res.statusCode = 400;
      res.end('POST /prepare?kind=device|device-openid|refresh&count=N\n');
      return;
    }
    const lines = [];
    for (let i = 0; i < count; i += 1) lines.push(await make());
    res.end(`${lines.join('\n')}\n`);
  } catch (err) {
    res.statusCode = 500;
    res.end(`${err.stack}\n`);
  }
});
const preparePort = await listen(prepareServer);
process.stdout.write(`${issuer}\nhttp://127.0.0.1:${preparePort}\n`);
