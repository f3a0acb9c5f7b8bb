// Test-only: checks a JWT the provider signed with panva's jose, a JOSE
// implementation independent of the provider's (it runs on WebCrypto),
// against the provider's JWK Set, allowing exactly one algorithm.
//
// usage: node verify_jwt.mjs JWKS_URL ALG TYP ISSUER AUDIENCE JWT
// prints {"header":…,"payload":…} and exits 0, or prints the error and exits 1.
import { createRemoteJWKSet, jwtVerify } from 'jose';

const [jwksURL, alg, typ, issuer, audience, jwt] = process.argv.slice(2);
try {
  const keys = createRemoteJWKSet(new URL(jwksURL));
  const { protectedHeader, payload } = await jwtVerify(jwt, keys, { algorithms: [alg], typ, issuer, audience });
  console.log(JSON.stringify({ header: protectedHeader, payload }));
} catch (err) {
  console.error(`${err.code ?? 'error'}: ${err.message}`);
  process.exit(1);
}
