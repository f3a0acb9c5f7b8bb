// Drives the provider with openid-client (https://github.com/panva/openid-client),
// an independent OAuth 2.0 / OpenID Connect client, as private_key_jwt clients
// (RFC 7523 Section 2.2), one for each kind of key openid-client signs with:
// RS256, PS256, ES256 and Ed25519, the name RFC 9864 gives EdDSA over Ed25519
// and the library's own choice for such a key (nothing here changes the alg it
// picks). Each client registers itself with its public key (RFC 7591), then
// sends its own assertions to the PAR, token, introspection and revocation
// endpoints. Run by TestE2EPrivateKeyJWTWithOpenIDClient (provider/internal/web).
//
//   node private_key_jwt.mjs ISSUER REDIRECT_URI
//
// It prints one JSON line per key: the alg, the "alg" of every assertion sent
// (read from the requests), and what came back.
import * as client from 'openid-client'

const [issuer, redirectUri] = process.argv.slice(2)
const keys = {
  RS256: { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
  PS256: { name: 'RSA-PSS', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
  ES256: { name: 'ECDSA', namedCurve: 'P-256' },
  Ed25519: { name: 'Ed25519' },
}

for (const [alg, algorithm] of Object.entries(keys)) {
  const { privateKey, publicKey } = await crypto.subtle.generateKey(algorithm, false, ['sign', 'verify'])
  const { kty, crv, x, y, n, e } = await crypto.subtle.exportKey('jwk', publicKey)
  const kid = 'interop-' + alg

  // Dynamic client registration (RFC 7591) with the public key; the test provider is http on loopback.
  const config = await client.dynamicClientRegistration(new URL(issuer), {
    client_name: 'openid-client ' + alg, token_endpoint_auth_method: 'private_key_jwt',
    jwks: { keys: [{ kty, crv, x, y, n, e, kid, alg, use: 'sig' }] },
    redirect_uris: [redirectUri], grant_types: ['authorization_code', 'client_credentials'], scope: 'read',
  }, client.PrivateKeyJwt({ key: privateKey, kid }), { execute: [client.allowInsecureRequests] })

  // The "alg" of each assertion openid-client sends.
  const assertionAlgs = new Set()
  config[client.customFetch] = (url, options) => {
    const assertion = new URLSearchParams(options.body?.toString()).get('client_assertion')
    if (assertion) assertionAlgs.add(JSON.parse(Buffer.from(assertion.split('.')[0], 'base64url')).alg)
    return fetch(url, options)
  }

  // PAR (RFC 9126), the client credentials grant, introspection and revocation, each with an assertion.
  const authorizationURL = await client.buildAuthorizationUrlWithPAR(config, {
    redirect_uri: redirectUri, scope: 'read', code_challenge_method: 'S256',
    code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
  })
  const tokens = await client.clientCredentialsGrant(config, { scope: 'read' })
  const before = await client.tokenIntrospection(config, tokens.access_token)
  await client.tokenRevocation(config, tokens.access_token)
  const after = await client.tokenIntrospection(config, tokens.access_token)

  console.log(JSON.stringify({
    alg,
    assertion_algs: [...assertionAlgs],
    request_uri: authorizationURL.searchParams.get('request_uri'),
    access_token: tokens.access_token,
    active_before_revocation: before.active,
    active_after_revocation: after.active,
  }))
}
