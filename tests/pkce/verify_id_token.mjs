// Verifies an ID token for test_pkce.py with an independent JWT library (jose) against the
// server's published JWKS, checking the signature (ES256), iss, aud and exp.
//
//   node verify_id_token.mjs ID_TOKEN JWKS_URL ISSUER AUDIENCE
//
// Prints {"header": {...}, "payload": {...}} on success; exits 1 with the reason otherwise.
import { createRemoteJWKSet, jwtVerify } from 'jose';

const [idToken, jwksUrl, issuer, audience] = process.argv.slice(2);

try {
  const jwks = createRemoteJWKSet(new URL(jwksUrl));
  const { payload, protectedHeader } = await jwtVerify(idToken, jwks, {
    issuer, audience, algorithms: ['ES256'], requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat'],
  });
  process.stdout.write(JSON.stringify({ header: protectedHeader, payload }) + '\n');
} catch (error) {
  process.stderr.write(`verify_id_token.mjs: ${error.code || ''} ${error.message}\n`);
  process.exit(1);
}
