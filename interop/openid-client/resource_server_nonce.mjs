// Checks that openid-client, an independent client library, meets the
// provider's resource servers' DPoP nonces (RFC 9449 Section 9), for
// provider/internal/web's interop test:
//
//   node resource_server_nonce.mjs ISSUER CLIENT_ID CLIENT_SECRET REDIRECT_URI
//
// It signs the user in with the code flow (code_flow.mjs: the test plays the
// browser), the tokens bound to a DPoP key, then calls /userinfo and
// /protected/resource, each with a new DPoP handle on that key: a handle
// that holds no nonce yet. It prints one JSON line with the answers and
// every request the library made to those two resources.
import * as client from 'openid-client'
import { signIn } from './code_flow.mjs'
import { print } from './lines.mjs'

const [issuer, clientId, clientSecret, redirectUri] = process.argv.slice(2)
const config = await client.discovery(new URL(issuer), clientId, clientSecret, undefined,
  { execute: [client.allowInsecureRequests] }) // the test provider is http on loopback
const keyPair = await client.randomDPoPKeyPair('ES256')
const tokens = await signIn(config, redirectUri, 'openid read', { DPoP: client.getDPoPHandle(config, keyPair) })

// exchanges records each request from here on: its path, and the answer's
// status and WWW-Authenticate header.
const exchanges = []
config[client.customFetch] = async (url, options) => {
  const response = await fetch(url, options)
  exchanges.push({ path: new URL(url).pathname, status: response.status, www_authenticate: response.headers.get('www-authenticate') })
  return response
}
// A resource server that wants a nonce answers the first proof with 401 and
// error "use_dpop_nonce", the nonce in a DPoP-Nonce header; the library
// retries once with a proof that carries it (RFC 9449 Section 9).
const userinfo = await client.fetchUserInfo(config, tokens.access_token, tokens.claims().sub,
  { DPoP: client.getDPoPHandle(config, keyPair) })
const resource = await client.fetchProtectedResource(config, tokens.access_token, new URL(issuer + '/protected/resource'),
  'GET', undefined, undefined, { DPoP: client.getDPoPHandle(config, keyPair) })
print({ token_type: tokens.token_type, userinfo, resource_status: resource.status, exchanges })
