"""Signed tokens (JWT, HS256, with Authlib's joserfc) and CSRF tokens, from the secret key."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OctKey

from ..crypto import derive_key

_CLAIMS = jwt.JWTClaimsRegistry(leeway=0, exp={"essential": True}, typ={"essential": True})

SESSION = "session"
PRE_2FA = "pre2fa"
PRE_2FA_LIFETIME = 300


class TokenKeys:
    """Keys derived once per app: one to sign sessions, one for CSRF tokens."""

    def __init__(self, secret_key: str) -> None:
        self.signing = OctKey.import_key(derive_key(secret_key, "session-signing"))
        self.csrf = derive_key(secret_key, "csrf")

    def issue(self, purpose: str, subject: int, lifetime: int, **claims: Any) -> str:
        now = int(time.time())
        payload = {"sub": str(subject), "typ": purpose, "iat": now, "exp": now + lifetime}
        payload.update(claims)
        return jwt.encode({"alg": "HS256"}, payload, self.signing, algorithms=["HS256"])

    def read(self, token: str, purpose: str) -> dict[str, Any] | None:
        """The claims of a valid, unexpired token of this purpose; None otherwise."""
        try:
            claims = jwt.decode(token, self.signing, algorithms=["HS256"]).claims
            _CLAIMS.validate(claims)
        except (JoseError, ValueError, TypeError):
            return None
        return dict(claims) if claims.get("typ") == purpose else None

    def csrf_token(self, session_id: str) -> str:
        return hmac.new(self.csrf, session_id.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, session_id: str, presented: str | None) -> bool:
        if not presented:
            return False
        return hmac.compare_digest(self.csrf_token(session_id), presented)


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


API_KEY_PREFIX = "sg_"


def new_api_key() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def hash_api_key(key: str) -> str:
    # Keys carry 256 random bits: a fast hash is enough, and lookups stay one index probe.
    return hashlib.sha256(key.encode()).hexdigest()
