// Check an identity assertion from caddy-instagram-auth with jose.
//
//   npm ci && node verify.mjs JWKS_URL ISSUER AUDIENCE < token
//
// JWKS_URL is the site's /oauth2/instagram/jwks.json, ISSUER the site's
// origin, AUDIENCE your own origin. Prints the claims as JSON; a refused
// token prints "token refused: <reason>" and exits 1.
import { readFileSync } from 'node:fs';
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';

async function verify(jwks, issuer, audience, token) {
  const { payload } = await jwtVerify(token, jwks, {
    // Only ES256: a token may not choose its own algorithm ("none", HS256...).
    algorithms: ['ES256'],
    issuer,
    audience,
    requiredClaims: ['exp', 'sub'],
  });
  return payload;
}

const [jwksUrl, issuer, audience] = process.argv.slice(2);
// Keep one key set for the life of your app: it caches the keys, picks the
// one the token's kid names, and refetches for an unknown kid.
const jwks = createRemoteJWKSet(new URL(jwksUrl));
try {
  const token = readFileSync(0, 'utf8').trim();
  console.log(JSON.stringify(await verify(jwks, issuer, audience, token)));
} catch (err) {
  if (!(err instanceof errors.JOSEError)) throw err;
  console.error(`token refused: ${err.message}`);
  process.exit(1);
}
