// Drives the provider's device authorization grant (RFC 8628) with
// openid-client, an independent client library, as a public client, for
// provider/internal/web's interop test:
//
//   node device.mjs ISSUER CLIENT_ID [dpop]
//
// It prints one JSON line with what the user needs (user_code,
// verification_uri), polls the token endpoint while the test plays the user
// (with DPoP proofs, RFC 9449, when asked), then prints one JSON line: the
// tokens, or the error the library reported.
import * as client from 'openid-client'
import { print, refusal } from './lines.mjs'

const [issuer, clientId, dpop] = process.argv.slice(2)
// Discovery (RFC 8414); a public client authenticates with its client_id
// alone; the test provider is http on loopback.
const config = await client.discovery(new URL(issuer), clientId, undefined, client.None(),
  { execute: [client.allowInsecureRequests] })
const DPoP = dpop && client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'))

// The device authorization request (RFC 8628 Section 3.1).
const authorization = await client.initiateDeviceAuthorization(config, { scope: 'openid read' })
print({ user_code: authorization.user_code, verification_uri: authorization.verification_uri, interval: authorization.interval })

// Polling (RFC 8628 Section 3.4): the library waits the interval between
// requests, keeps polling on authorization_pending, slows down on slow_down
// (RFC 8628 Section 3.5), retries with the server's DPoP nonce on use_dpop_nonce
// (RFC 9449 Section 8), and throws any other error, such as access_denied.
try {
  const tokens = await client.pollDeviceAuthorizationGrant(config, authorization, undefined, { DPoP })
  // A bound token is usable only with proofs by the same key, and so is the
  // public client's refresh token (RFC 9449 Section 5).
  const userinfo = await client.fetchUserInfo(config, tokens.access_token, tokens.claims().sub, { DPoP })
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token, undefined, { DPoP })
  print({ tokens, id_token: tokens.claims(), userinfo, refreshed })
} catch (err) {
  print(await refusal(err))
}
