// Names the resource servers a token is for (RFC 8707) through
// openid-client, an independent client library, for provider/internal/web's
// interop test:
//
//   node resource_indicators.mjs ISSUER CLIENT_ID CLIENT_SECRET REDIRECT_URI RESOURCE
//
// It pushes an authorization request (RFC 9126) naming RESOURCE and the
// provider's own resource (ISSUER), prints one JSON line with the
// authorization URL and reads the callback URL the browser reached; then it
// redeems the code for RESOURCE, refreshes for ISSUER, and pushes a request
// that names a resource the provider does not know. It prints one JSON line
// with the two access tokens and the library's error for the last request.
import * as client from 'openid-client'
import { print, readLine, refusal } from './lines.mjs'

const [issuer, clientId, clientSecret, redirectUri, resource] = process.argv.slice(2)
const config = await client.discovery(new URL(issuer), clientId, clientSecret, undefined,
  { execute: [client.allowInsecureRequests] }) // the test provider is http on loopback

// pushRequest pushes an authorization request with PKCE for the resources
// (one "resource" parameter each, RFC 8707 Section 2).
async function pushRequest(verifier, state, resources) {
  const parameters = new URLSearchParams({
    redirect_uri: redirectUri, scope: 'read', state,
    code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  })
  for (const r of resources) parameters.append('resource', r)
  return client.buildAuthorizationUrlWithPAR(config, parameters)
}

const verifier = client.randomPKCECodeVerifier()
const state = client.randomState()
print({ authorization_url: (await pushRequest(verifier, state, [resource, issuer])).href })
const callback = new URL(await readLine())
// The token request and the refresh each name one of the granted resources
// (RFC 8707 Section 2.2).
const tokens = await client.authorizationCodeGrant(config, callback,
  { pkceCodeVerifier: verifier, expectedState: state }, { resource })
const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token, { resource: issuer })
let unknown = { error: 'none: the provider accepted an unknown resource' }
try {
  await pushRequest(client.randomPKCECodeVerifier(), client.randomState(), ['https://unknown.example/'])
} catch (err) {
  unknown = await refusal(err)
}
print({ access_token: tokens.access_token, refreshed_access_token: refreshed.access_token, unknown })
