// Drives the provider with openid-client (https://github.com/panva/openid-client),
// an independent OAuth 2.0 / OpenID Connect client, as a private_key_jwt client
// (RFC 7523 Section 2.2): its own assertions at the PAR, token, introspection
// and revocation endpoints. Run by TestE2EPrivateKeyJWTWithOpenIDClient
// (provider/internal/web); prints one JSON object of what it saw.
//
// Environment: ISSUER, CLIENT_ID, REDIRECT_URI, PRIVATE_JWK (the client's
// private key as a JWK, with "kid" and "alg").

import { webcrypto } from 'node:crypto'

// Node 18 has WebCrypto only under node:crypto; openid-client expects the globals.
globalThis.crypto ??= webcrypto
globalThis.CryptoKey ??= webcrypto.CryptoKey

const client = await import('openid-client')

const { ISSUER, CLIENT_ID, REDIRECT_URI, PRIVATE_JWK } = process.env
const jwk = JSON.parse(PRIVATE_JWK)
const key = await crypto.subtle.importKey('jwk', jwk, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign'])

// Discovery (OpenID Connect Discovery / RFC 8414); the test provider is http on loopback.
const config = await client.discovery(new URL(ISSUER), CLIENT_ID, { redirect_uris: [REDIRECT_URI] },
  client.PrivateKeyJwt({ key, kid: jwk.kid }), { execute: [client.allowInsecureRequests] })

// PAR (RFC 9126) with the assertion.
const authorizationURL = await client.buildAuthorizationUrlWithPAR(config, {
  redirect_uri: REDIRECT_URI, scope: 'read', code_challenge_method: 'S256',
  code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
})

// Token endpoint: client credentials with the assertion.
const tokens = await client.clientCredentialsGrant(config, { scope: 'read' })
const before = await client.tokenIntrospection(config, tokens.access_token)
await client.tokenRevocation(config, tokens.access_token)
const after = await client.tokenIntrospection(config, tokens.access_token)

console.log(JSON.stringify({
  request_uri: authorizationURL.searchParams.get('request_uri'),
  access_token: tokens.access_token,
  active_before_revocation: before.active,
  active_after_revocation: after.active,
}))
