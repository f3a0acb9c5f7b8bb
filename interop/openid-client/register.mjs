// Registers a public client with the provider (RFC 7591) through
// openid-client, an independent client library, then signs the user in with
// it, for provider/internal/web's interop test:
//
//   node register.mjs ISSUER REDIRECT_URI
//
// It signs the user in with the code flow (code_flow.mjs: the test plays the
// browser), refreshes, revokes the refresh token, and prints one JSON line
// with the registration and the tokens.
import * as client from 'openid-client'
import { signIn } from './code_flow.mjs'
import { print } from './lines.mjs'

const [issuer, redirectUri] = process.argv.slice(2)

// Dynamic client registration (RFC 7591 Section 3.1) of a public client: no
// secret (token_endpoint_auth_method "none", RFC 7591 Section 2), so every
// request names the client_id alone (the library's None()) and PKCE
// protects the code.
const config = await client.dynamicClientRegistration(new URL(issuer), {
  client_name: 'openid-client (public)', redirect_uris: [redirectUri], token_endpoint_auth_method: 'none',
  grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], scope: 'openid read',
}, client.None(), { execute: [client.allowInsecureRequests] })

const tokens = await signIn(config, redirectUri, 'openid read')
// The refresh token grant (RFC 6749 Section 6) and revocation
// (RFC 7009 Section 2.1), both with the client_id alone.
const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token)
await client.tokenRevocation(config, refreshed.refresh_token, { token_type_hint: 'refresh_token' })
print({ client: config.clientMetadata(), tokens, id_token: tokens.claims(), refreshed })
