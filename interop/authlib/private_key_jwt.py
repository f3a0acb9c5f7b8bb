"""Drives the provider with Authlib, an independent client library, as a
client registered for private_key_jwt (RFC 7523 Section 2.2), for
provider/internal/web's interop test:

    python3 private_key_jwt.py ISSUER CLIENT_ID REDIRECT_URI PRIVATE_JWK

It prints one JSON line with the authorization URL (PKCE, RFC 7636), reads
the callback URL the browser reached from stdin, then redeems the code,
introspects the access token (RFC 7662) and refreshes (RFC 6749 Section 6),
each request authenticated with its own assertion signed by PRIVATE_JWK
(an EdDSA key), and prints one JSON line with what came back.
"""
import json
import sys

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT, private_key_jwt_sign


class ShortLivedPrivateKeyJWT(PrivateKeyJWT):
    """PrivateKeyJWT with assertions valid for 60 s.

    Authlib 1.x signs assertions valid for 3600 s. The provider refuses an
    "exp" more than 5 minutes away (README, private_key_jwt), as
    RFC 7523 Section 3 allows: "The authorization server MAY reject JWTs with
    an "exp" claim value that is unreasonably far in the future." A long-lived
    assertion is one an eavesdropper could replay for longer.
    """

    def sign(self, auth, token_endpoint):
        return private_key_jwt_sign(auth.client_secret, client_id=auth.client_id, token_endpoint=token_endpoint,
                                    header=self.headers, alg=self.alg, expires_in=60)


def main():
    issuer, client_id, redirect_uri, private_jwk = sys.argv[1:5]
    key = json.loads(private_jwk)
    # Authorization server metadata (RFC 8414 Section 3).
    metadata = requests.get(issuer + '/.well-known/oauth-authorization-server', timeout=10).json()
    # The same assertions authenticate introspection, which Authlib
    # authenticates as it does revocation.
    auth = ShortLivedPrivateKeyJWT(alg='EdDSA', headers={'kid': key['kid']})
    session = OAuth2Session(client_id, key, scope='openid read', redirect_uri=redirect_uri,
                            code_challenge_method='S256', token_endpoint_auth_method=auth,
                            revocation_endpoint_auth_method=auth)
    verifier = generate_token(48)
    authorization_url, _ = session.create_authorization_url(metadata['authorization_endpoint'], code_verifier=verifier)
    print(json.dumps({'authorization_url': authorization_url}), flush=True)
    callback = sys.stdin.readline().strip()

    tokens = session.fetch_token(metadata['token_endpoint'], authorization_response=callback, code_verifier=verifier)
    introspection = session.introspect_token(metadata['introspection_endpoint'], token=tokens['access_token'])
    refreshed = session.refresh_token(metadata['token_endpoint'], refresh_token=tokens['refresh_token'])
    print(json.dumps({'tokens': tokens, 'introspection': introspection.json(), 'refreshed': refreshed}), flush=True)


if __name__ == '__main__':
    main()
