"""Check an identity assertion from caddy-instagram-auth with PyJWT.

    python3 verify.py JWKS_URL ISSUER AUDIENCE < token

JWKS_URL is the site's /oauth2/instagram/jwks.json, ISSUER the site's origin,
AUDIENCE your own origin. Prints the claims as JSON; a refused token prints
"token refused: <reason>" and exits 1. Needs PyJWT with cryptography
(Debian: apt install python3-jwt python3-cryptography).
"""
import json
import sys

import jwt


def verify(jwks, issuer, audience, token):
    # The key is the one the token's kid names in the site's JWKS.
    key = jwks.get_signing_key_from_jwt(token).key
    # Only ES256: a token may not choose its own algorithm ("none", HS256...).
    return jwt.decode(token, key, algorithms=["ES256"],
                      audience=audience, issuer=issuer,
                      options={"require": ["exp", "iss", "aud", "sub"]})


if __name__ == "__main__":
    jwks_url, issuer, audience = sys.argv[1:]
    # Keep one PyJWKClient for the life of your app: it caches the keys.
    jwks = jwt.PyJWKClient(jwks_url)
    try:
        claims = verify(jwks, issuer, audience, sys.stdin.read().strip())
    except jwt.PyJWTError as err:
        sys.exit(f"token refused: {err}")
    print(json.dumps(claims))
