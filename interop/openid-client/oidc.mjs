// Drives the provider as an OpenID Connect relying party with openid-client,
// an independent client library, for provider/internal/web's interop test:
//
//   node oidc.mjs ISSUER CLIENT_ID CLIENT_SECRET REDIRECT_URI POST_LOGOUT_REDIRECT_URI
//
// It signs the user in with the code flow (code_flow.mjs: the test plays the
// browser), reads /userinfo, introspects and revokes the refresh token, and
// prints one JSON line with what came back and the RP-Initiated Logout URL,
// which the test then follows.
import * as client from 'openid-client'
import { signIn } from './code_flow.mjs'
import { print, refusal } from './lines.mjs'

const [issuer, clientId, clientSecret, redirectUri, postLogoutRedirectUri] = process.argv.slice(2)
// Discovery (OpenID Connect Discovery 1.0); the test provider is http on loopback.
const config = await client.discovery(new URL(issuer), clientId, undefined,
  client.ClientSecretBasic(clientSecret), { execute: [client.allowInsecureRequests] })

const tokens = await signIn(config, redirectUri, 'openid profile email read')
const idToken = tokens.claims()

// UserInfo (OIDC Core Section 5.3): the library refuses an answer whose sub
// is not the ID token's (OIDC Core Section 5.3.2).
const userinfo = await client.fetchUserInfo(config, tokens.access_token, idToken.sub)

// Introspection (RFC 7662 Section 2.1) of both tokens, then revocation of
// the refresh token (RFC 7009 Section 2.1), which ends its whole grant: both
// tokens introspect as inactive afterwards.
const introspect = (token, hint) => client.tokenIntrospection(config, token, { token_type_hint: hint })
const before = { access: await introspect(tokens.access_token, 'access_token'), refresh: await introspect(tokens.refresh_token, 'refresh_token') }
await client.tokenRevocation(config, tokens.refresh_token, { token_type_hint: 'refresh_token' })
const after = { access: await introspect(tokens.access_token, 'access_token'), refresh: await introspect(tokens.refresh_token, 'refresh_token') }
// The revoked access token at /userinfo: a 401 whose WWW-Authenticate
// challenge (RFC 6750 Section 3) the library parses.
const userinfoAfter = await client.fetchUserInfo(config, tokens.access_token, idToken.sub).then(() => ({}), refusal)

// RP-Initiated Logout (OIDC RP-Initiated Logout Section 2): the
// end_session_endpoint with the ID token as the hint, where the browser goes
// back to, and a state to come back with.
const logoutURL = client.buildEndSessionUrl(config, {
  id_token_hint: tokens.id_token, post_logout_redirect_uri: postLogoutRedirectUri, state: client.randomState(),
})

print({ id_token: idToken, userinfo, before, after, userinfo_after: userinfoAfter, logout_url: logoutURL.href })
