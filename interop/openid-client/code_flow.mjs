// The authorization code flow of OpenID Connect as openid-client runs it,
// without PAR, shared by oidc.mjs and register.mjs.
import * as client from 'openid-client'
import { print, readLine } from './lines.mjs'

// signIn sends the user to the authorization endpoint
// (RFC 6749 Section 4.1.1) with state, a nonce (OIDC Core Section 3.1.2.1)
// and a PKCE challenge (RFC 7636 Section 4.3): it prints the URL, reads the
// callback URL the browser reached, and redeems the code
// (RFC 6749 Section 4.1.3).
// The library checks the callback's state and iss (RFC 9207 Section 2.4)
// and validates the ID token (OIDC Core Section 3.1.3.7), nonce included.
// options go to the token request as they are, such as { DPoP } to bind
// the tokens to a DPoP key (RFC 9449 Section 5).
export async function signIn(config, redirectUri, scope, options) {
  const verifier = client.randomPKCECodeVerifier()
  const state = client.randomState()
  const nonce = client.randomNonce()
  const authorizationURL = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri, scope, state, nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  })
  print({ authorization_url: authorizationURL.href })
  const callback = new URL(await readLine())
  return client.authorizationCodeGrant(config, callback,
    { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true }, undefined, options)
}
