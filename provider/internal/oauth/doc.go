// Package oauth is the protocol: every rule of the OAuth 2.0 and OpenID
// Connect specifications this provider enforces lives here, next to the
// sentence of the RFC that states it. It has no HTTP server code (no Gin;
// its only HTTP is the client of client_id_metadata_fetch.go, which fetches
// client ID metadata documents), no SQL and no HTML: handlers in package
// web parse a request into a struct, call Provider methods and write what
// they return — a response struct or an *Error. Most call one method. The
// handlers of the pages a user signs in on sequence several, each deciding
// by its rules here, while the handler keeps the login session's cookie:
// the authorization endpoint's (web/authorize.go) sequences sign-in, the
// user's decision and code issuance (RFC 6749 Section 4.1, step B), or the
// error redirect; the device verification URI's (web/device.go) the user
// code, sign-in and the decision; logout's (web/logout.go) the request,
// then the end of the login session.
//
// # Where each RFC lives
//
//	file                         implements
//	authorize.go                 RFC 6749 Section 4.1.1 (authorization request), RFC 6749 Section 3.1.2 (redirect
//	                             URI), RFC 9700 Section 2.1 (exact redirect matching), RFC 8252 Section 7.3
//	                             (loopback redirect ports of native apps), RFC 9126 Section 4 (clients that
//	                             must use PAR), RFC 9449 Section 10 (the form of dpop_jkt), OIDC Core Section 3.1.2.1
//	                             (ui_locales: read here, the language chosen by package i18n; id_token_hint: a code
//	                             only for the user it names), RFC 6749 Section 4.1.2.1 (a value past 4096 bytes is
//	                             invalid_request)
//	authorization_response.go    RFC 6749 Section 4.1.2, RFC 6749 Section 4.1.2.1 (code and error responses),
//	                             RFC 9207 (iss), RFC 6749 Section 3.1.2 (the redirect URI's query kept)
//	redirect_trust.go            RFC 9700 Section 4.11.2 (a redirect the user did not approve, an error or a logout,
//	                             to a URI a client registered for itself or its metadata document lists, waits for
//	                             the user), RFC 8252 Section 7.3 (loopback URIs trusted)
//	par.go                       RFC 9126 (pushed authorization requests: single use, bound to the client, 60 s),
//	                             RFC 9126 Section 2.3 (429 past PUSHED_REQUESTS_PER_HOUR)
//	dpop.go                      RFC 9449 Section 4.3 (every DPoP proof check, in the RFC's order but check 7, no
//	                             private key in jwk, before check 6, the signature, which needs that key; an RSA
//	                             jwk's size and exponent between them, RFC 7518 Section 3.3),
//	                             RFC 9449 Section 11.1 (jti replay, across processes); htu compared with the
//	                             request's URI as uri.go normalizes them
//	dpop_nonce.go                RFC 9449 Section 8, RFC 9449 Section 9 (server nonces: stateless, HMAC of the time,
//	                             DPOP_NONCE=on)
//	dpop_binding.go              RFC 9449 Section 5 (token endpoint, refresh tokens of public clients),
//	                             RFC 9449 Section 6 (cnf.jkt), RFC 9449 Section 10.1 (a pushed request's DPoP key)
//	prompt.go                    OIDC Core Section 3.1.2.1 (prompt, max_age), RFC 8252 Section 8.6 (public clients
//	                             never approved silently)
//	pkce.go                      RFC 7636 Section 4.1, RFC 7636 Section 4.2 (the forms of code_verifier and
//	                             code_challenge), RFC 7636 Section 4.3, RFC 7636 Section 4.4.1 (the authorization
//	                             request's PKCE checks: S256 only, required of public clients), RFC 7636 Section 4.5,
//	                             RFC 7636 Section 4.6 (the token request's code_verifier and its S256 comparison),
//	                             RFC 9700 Section 2.1.1 (plain refused; downgrade defence)
//	scope.go                     RFC 6749 Section 3.3 (scope), RFC 6749 Section 6 (narrowing on refresh),
//	                             OIDC Core Section 11 (offline_access)
//	client_auth.go               RFC 6749 Section 2.3 (one method per request), RFC 6749 Section 2.3.1
//	                             (client_secret_basic with form-decoding, client_secret_post), public clients
//	registration.go              RFC 7591 Section 3 (registration endpoint, initial access token, rate limit),
//	                             RFC 7592 Section 2.1, RFC 7592 Section 2.3 (read, delete)
//	registration_update.go       RFC 7592 Section 2.2 (update: the whole metadata replaced, the secret as the method needs)
//	client_metadata.go           RFC 7591 Section 2, RFC 7591 Section 3.2.2 (client metadata rules and refusals),
//	                             RFC 6749 Section 3.1.2, RFC 6749 Section 3.1.2.1, RFC 3986 Section 3.2,
//	                             RFC 3986 Section 2, RFC 6749 Section 3.1 (redirect URIs), OIDC Registration Section 2
//	                             (id_token_signed_response_alg, token_endpoint_auth_signing_alg, application_type)
//	client_jwks.go               RFC 7591 Section 2 (jwks: public signing keys only), RFC 7518 Section 3.3 (RSA key
//	                             size), RFC 8017 Section 3.1 (RSA exponent, at most 65537), RFC 7517 Section 4.5
//	                             (distinct kids)
//	client_id_metadata.go        CIMD Section 3 (a client_id that is an https URL), CIMD Section 4.1 (the document:
//	                             its client_id, no shared secret), CIMD Section 4.4 (stored 1 min to 24 h),
//	                             CIMD Section 6.4 (the client_id's host on the consent page); CIMD is
//	                             draft-ietf-oauth-client-id-metadata-document-01, which MCP clients use
//	client_id_metadata_fetch.go  CIMD Section 4 (GET, 200 only, no redirects), CIMD Section 6.5 (public addresses
//	                             only, checked at the dial), CIMD Section 6.6 (5 KiB)
//	resource.go                  RFC 8707 Section 2, RFC 8707 Section 2.2 (resource indicators: known resources, one
//	                             "aud" per token, narrowing)
//	uri.go                       RFC 3986 Section 6.2.2, RFC 3986 Section 6.2.3 (URI normalization: case, default
//	                             port, percent-encoding, dot segments; for a DPoP proof's htu and a resource)
//	protected_resource.go        RFC 9728 Section 2, RFC 9728 Section 3, RFC 9728 Section 3.1, RFC 9728 Section 5.1
//	                             (protected resource metadata, where it is, resource_metadata in challenges);
//	                             RFC 6750 Section 3 (the scope each resource's challenge names)
//	client_assertion.go          RFC 7523 Section 2.2, RFC 7523 Section 3, OIDC Core Section 9 (private_key_jwt:
//	                             signature, iss, sub, aud, exp, iat, nbf, jti once), OIDC Core Section 10.1 (the
//	                             one key the kid names), RFC 7521 Section 4.2,
//	                             RFC 9126 Section 2 (aud at PAR), RFC 7519 Section 4.1.4 (clock skew),
//	                             OIDC Registration Section 2 (the registered token_endpoint_auth_signing_alg),
//	                             RFC 7523bis Section 4 (an assertion typed client-authentication+jwt: aud is the
//	                             issuer alone); RFC 7523bis is draft-ietf-oauth-rfc7523bis-11
//	jws_ed25519.go               RFC 9864 Section 2.2 ("Ed25519", EdDSA's fully specified name, taken beside "EdDSA"
//	                             in client assertions and DPoP proofs), RFC 7515 Section 5.2 (its signature verified
//	                             over the JWS Signing Input, which go-jose cannot)
//	token.go                     RFC 6749 Section 3.2, RFC 6749 Section 5.1 (token endpoint, response), RFC 9068 (JWT
//	                             access tokens)
//	grant_authorization_code.go  RFC 6749 Section 4.1.3 (code exchange), RFC 6749 Section 4.1.2 (single use; replay
//	                             revokes the grant)
//	grant_refresh_token.go       RFC 6749 Section 6, RFC 9700 Section 4.14.2 (rotation, reuse detection); the
//	                             REFRESH_REUSE_GRACE exception, this provider's (README, "Refresh token reuse grace")
//	grant_client_credentials.go  RFC 6749 Section 4.4
//	grant_device_code.go         RFC 8628 Section 3.4, RFC 8628 Section 3.5 (polling answers: pending, slow_down
//	                             +5 s, denied, expired; single use)
//	device_authorization.go      RFC 8628 Section 3.1, RFC 8628 Section 3.2 (device authorization endpoint),
//	                             RFC 8628 Section 5.2 (device code entropy)
//	device_verification.go       RFC 8628 Section 3.3 (user code entry at the verification URI, its form's fields
//	                             each once, approve or deny), RFC 8628 Section 3.3.1 (verification_uri_complete's
//	                             user code prefills the form; sent twice, it does not: RFC 6749 Section 3.1)
//	signed_in_user.go            RFC 8628 Section 3.3 (the consent page names the signed-in account)
//	user_code.go                 RFC 8628 Section 6.1 (base-20 user code, normalization of what the user typed)
//	user_code_guard.go           RFC 8628 Section 5.1 (user-code brute force: rate limit, bounded wrong guesses)
//	attempts.go                  budgets of failures counted in the store, shared by every process (wrong
//	                             passwords, wrong user codes): per address or IPv6 /64, and per IPv6 /48; the
//	                             TooManyAttemptsError that RateLimit shares; whom a request counts as is package
//	                             ratelimit's (provider/ratelimit, which the client uses too)
//	rate_limit.go                RateLimit: package ratelimit's token bucket per requester and per IPv6 /48 in this
//	                             process's memory (user-code entry, RFC 7591 Section 3 registrations,
//	                             RFC 8628 Section 5.1 device authorization requests, RFC 9126 Section 2.3 pushed
//	                             authorization requests)
//	bearer.go                    RFC 6750 Section 2.1 (header), RFC 6750 Section 2.2 (form body, POST only),
//	                             RFC 6750 Section 2 (one method per request), RFC 6750 Section 3.1 (bearer check),
//	                             RFC 9068 Section 4 (validation), RFC 9449 Section 7.1, RFC 9449 Section 7.2 (the
//	                             DPoP scheme at resources; bound tokens refused as Bearer)
//	grant.go                     the grant every code and token descends from: started at approval, revoked in one
//	                             write (see Grants below); the security events that revoke it (code replay, refresh
//	                             reuse), for the log and metrics
//	revocation.go                RFC 7009
//	introspection.go             RFC 7662
//	oidc.go                      OIDC Core Section 2 (ID token), OIDC Core Section 3.1.3.6 (at_hash),
//	                             OIDC Core Section 5.3 (userinfo); the id_token_hint check authorize.go and
//	                             logout.go share
//	metadata.go                  RFC 8414 Section 2, RFC 8414 Section 3 (the well-known path of an issuer
//	                             with a path), OIDC Discovery 1.0
//	logout.go                    OIDC RP-Initiated Logout Section 2 (id_token_hint, even expired),
//	                             OIDC RP-Initiated Logout Section 3 (exact post_logout_redirect_uri),
//	                             OIDC RP-Initiated Logout Section 4, OIDC RP-Initiated Logout Section 6
//	login_session.go             OIDC RP-Initiated Logout Section 2 (a login session a logout ended, or older than
//	                             SESSION_TTL, signs no one in, whatever cookie still names it)
//	errors.go                    RFC 6749 Section 4.1.2.1, RFC 6749 Section 5.2; RFC 6750 Section 3.1;
//	                             RFC 8628 Section 3.5 error codes; the characters of an error_description
//	login.go, seed.go            user sign-in (outside OAuth, RFC 6749 Section 3.1) and who decides
//	                             (RFC 6749 Section 4.1; wrong passwords bounded per address; RFC 6749 Section 10.12:
//	                             no sign-in form from another site, a login session's form carries its CSRF
//	                             token); the demo registrations
//	password.go                  user passwords: Argon2id (OWASP minimum), bcrypt hashes upgraded at sign-in
//	secret.go                    RFC 6749 Section 10.10 (token entropy); codes and tokens stored only as hashes
//	text.go                      RFC 6749 Appendix B (parameters are UTF-8 text: validText), RFC 8259 Section 4
//	                             (JSON member names exact, a repeated one refused: unmarshalExact); alnumOr
//	                             for character sets (an ASCII host; a URI's, RFC 3986 Section 2: setting.URICharacters)
//	provider.go, client_cache.go the Provider, its injected clock and its readiness; client registrations reused for 5 s
//	purge.go                     the background purge of expired rows and retired signing keys
//	trace.go                     the teaching trace: each Rule a request was checked against, and the store changes
//
// # Teaching traces: record each rule where you check it
//
// Declare a rule once, beside its check: var ruleX = Rule{"what must hold", "RFC 6749 Section 4.1.3"}.
// Check it through the request's trace, tr := TraceFrom(ctx) (nil, and free, when teaching mode is off):
// if err := tr.Require(ruleX, ok, ErrInvalidGrant, "what went wrong"); err != nil { return nil, err },
// or tr.Check(ruleX, ok) when failing it is not an error; tr.Changed("grant revoked") after each store
// write. Parsers of a client's request take the ctx and record their checks too, passed ones included;
// parsers without a ctx refuse with ruleX.Refuse(code, description): the trace then ends with it.
//
// # Grants: how revocation reaches every token
//
// Every authorization is a grant (store.Grant): one user, one client, the
// approved scopes. The grant is recorded when the user approves; the
// authorization code, every refresh token and every access token descend
// from it and carry its id (access tokens in the "gid" claim).
//
// Access tokens are self-contained JWTs and are not stored. Revoking the
// grant therefore kills all of them at once without a list of every token
// issued: the bearer check makes one store lookup that asks "is this
// token's jti revoked, or its grant revoked or gone?". The same lookup
// serves a single access token revoked through RFC 7009 (remembered by jti
// until it would have expired anyway).
//
// A grant lives until its code could last be redeemed plus one access
// token's lifetime, and then as long as its newest refresh token; the
// background purge deletes it (and what hangs off it) after that.
//
// This is why code replay ([RFC 6749 Section 4.1.2]), refresh token reuse
// ([RFC 9700 Section 4.14.2]) and the revocation of a refresh token
// ([RFC 7009 Section 2.1]) are each one write: RevokeGrant. The trade-off:
// a third-party resource server that validates the JWTs offline sees a
// revocation only by introspection (RFC 7662) or when the token expires;
// keep access tokens short-lived.
//
// # Deliberately not implemented
//
// The implicit grant and hybrid flows ([RFC 9700 Section 2.1.2] advises
// against them), the resource owner password grant ([RFC 9700 Section 2.4]:
// MUST NOT be used), PKCE "plain", request objects by value
// ([OIDC Core Section 6]; refused with request_not_supported) or by
// reference, a request_uri to fetch ([OIDC Core Section 6.2]; refused with
// request_uri_not_supported: only the PAR endpoint's request_uri values
// are resolved, and one of their form that is unknown, expired, used or
// another client's is invalid_request_uri), response modes other than query
// ([OIDC Multiple Response Types Section 2.1]), jwks_uri (of the URLs a
// client names, only its client ID metadata document is fetched), an
// access token in a query string ([RFC 6750 Section 2.3];
// [RFC 9700 Section 4.3.2]: "Clients MUST NOT pass access tokens in a URI
// query parameter"), and token exchange.
//
// [RFC 6749 Section 4.1.2]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
// [RFC 9700 Section 4.14.2]: https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
// [RFC 7009 Section 2.1]: https://www.rfc-editor.org/rfc/rfc7009#section-2.1
// [RFC 9700 Section 2.1.2]: https://www.rfc-editor.org/rfc/rfc9700#section-2.1.2
// [RFC 9700 Section 2.4]: https://www.rfc-editor.org/rfc/rfc9700#section-2.4
// [OIDC Core Section 6]: https://openid.net/specs/openid-connect-core-1_0.html#JWTRequests
// [OIDC Core Section 6.2]: https://openid.net/specs/openid-connect-core-1_0.html#RequestUriParameter
// [OIDC Multiple Response Types Section 2.1]: https://openid.net/specs/oauth-v2-multiple-response-types-1_0.html#ResponseModes
// [RFC 6750 Section 2.3]: https://www.rfc-editor.org/rfc/rfc6750#section-2.3
// [RFC 9700 Section 4.3.2]: https://www.rfc-editor.org/rfc/rfc9700#section-4.3.2
package oauth
