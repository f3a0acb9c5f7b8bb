// Registers a confidential client that asks for ES256 ID tokens
// (id_token_signed_response_alg, OIDC Dynamic Client Registration Section 2)
// through openid-client, an independent client library, then signs the user
// in with it, for provider/internal/web's interop test:
//
//   node register_es256.mjs ISSUER REDIRECT_URI
//
// It signs the user in with the code flow (code_flow.mjs: the test plays the
// browser); the library validates the ID token against the provider's JWK
// Set with the registered algorithm. It prints one JSON line with the
// registration, the ID token's header and its validated claims.
import * as client from 'openid-client'
import { signIn } from './code_flow.mjs'
import { print } from './lines.mjs'

const [issuer, redirectUri] = process.argv.slice(2)
// Dynamic client registration (RFC 7591 Section 3.1); the library then
// authenticates with the client_secret the provider issued.
const config = await client.dynamicClientRegistration(new URL(issuer), {
  client_name: 'openid-client (ES256)', redirect_uris: [redirectUri], token_endpoint_auth_method: 'client_secret_post',
  id_token_signed_response_alg: 'ES256', grant_types: ['authorization_code', 'refresh_token'], scope: 'openid profile',
}, undefined, { execute: [client.allowInsecureRequests] })

const tokens = await signIn(config, redirectUri, 'openid profile')
const header = JSON.parse(Buffer.from(tokens.id_token.split('.')[0], 'base64url'))
print({ client: config.clientMetadata(), id_token_header: header, id_token: tokens.claims() })
