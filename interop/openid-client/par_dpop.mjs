// Drives the provider's PAR (RFC 9126) and DPoP (RFC 9449) with openid-client,
// an independent client library, for provider/internal/web's interop test.
//
//   node par_dpop.mjs ISSUER CLIENT_ID CLIENT_SECRET REDIRECT_URI [KEY_ALG]
//
// KEY_ALG is the DPoP key's algorithm, ES256 unless given: with Ed25519,
// openid-client signs its proofs under that name (RFC 9864) by default.
// It prints one JSON line with the authorization URL (a PAR request_uri),
// reads the callback URL the browser reached from stdin, then redeems the
// code, calls /user/profile and refreshes, all with DPoP proofs by one key,
// and prints one JSON line with what came back, and the "alg" of every
// proof sent (read from the requests).
import * as client from 'openid-client'
import * as readline from 'node:readline'

const [issuer, clientId, clientSecret, redirectUri, keyAlg = 'ES256'] = process.argv.slice(2)
const config = await client.discovery(new URL(issuer), clientId, clientSecret, undefined,
  { execute: [client.allowInsecureRequests] }) // the test provider is http on loopback
const proofAlgs = new Set()
config[client.customFetch] = (url, options) => {
  const proof = new Headers(options.headers).get('dpop')
  if (proof) proofAlgs.add(JSON.parse(Buffer.from(proof.split('.')[0], 'base64url')).alg)
  return fetch(url, options)
}
const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair(keyAlg))

const verifier = client.randomPKCECodeVerifier()
const state = client.randomState()
const authorizationURL = await client.buildAuthorizationUrlWithPAR(config, {
  redirect_uri: redirectUri,
  scope: 'openid read',
  state,
  code_challenge: await client.calculatePKCECodeChallenge(verifier),
  code_challenge_method: 'S256',
}, { DPoP })
console.log(JSON.stringify({ authorization_url: authorizationURL.href }))

const lines = readline.createInterface({ input: process.stdin })
const callback = await new Promise((resolve) => lines.once('line', resolve))
lines.close()

const tokens = await client.authorizationCodeGrant(config, new URL(callback),
  { pkceCodeVerifier: verifier, expectedState: state }, undefined, { DPoP })
const resource = await client.fetchProtectedResource(config, tokens.access_token,
  new URL(issuer + '/user/profile'), 'GET', undefined, undefined, { DPoP })
const profile = await resource.json()
const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token, undefined, { DPoP })
console.log(JSON.stringify({
  token_type: tokens.token_type,
  access_token: tokens.access_token,
  resource_status: resource.status,
  profile,
  refreshed_token_type: refreshed.token_type,
  proof_algs: [...proofAlgs],
}))
