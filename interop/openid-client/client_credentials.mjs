// Drives the provider's client credentials grant, introspection and
// revocation with openid-client, an independent client library, for
// provider/internal/web's interop test:
//
//   node client_credentials.mjs ISSUER CLIENT_ID CLIENT_SECRET
//
// It prints one JSON line with the token, what introspection said of it
// before and after its revocation, and the answer to a wrong secret.
import * as client from 'openid-client'
import { print, refusal } from './lines.mjs'

const [issuer, clientId, clientSecret] = process.argv.slice(2)
// Discovery (RFC 8414); the test provider is http on loopback.
const discover = (secret) => client.discovery(new URL(issuer), clientId, undefined,
  client.ClientSecretBasic(secret), { execute: [client.allowInsecureRequests] })
const config = await discover(clientSecret)

// The client credentials grant (RFC 6749 Section 4.4): a token for the
// client itself, with no refresh token (RFC 6749 Section 4.4.3).
const tokens = await client.clientCredentialsGrant(config, { scope: 'read' })
// Introspection (RFC 7662 Section 2.1), revocation (RFC 7009 Section 2.1),
// and introspection again: a revoked token is inactive (RFC 7662 Section 2.2).
const before = await client.tokenIntrospection(config, tokens.access_token)
await client.tokenRevocation(config, tokens.access_token)
const after = await client.tokenIntrospection(config, tokens.access_token)

// A wrong secret: 401 invalid_client (RFC 6749 Section 5.2), with the
// WWW-Authenticate challenge that Basic authentication calls for.
const wrongSecret = await client.clientCredentialsGrant(await discover('not-' + clientSecret)).then(() => ({}), refusal)

print({ tokens, before, after, wrong_secret: wrongSecret })
