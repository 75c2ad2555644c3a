"""Redeeming the authorization code and checking the ID token it buys.

The code is exchanged server to server (Authlib builds the request and the client
authentication, the PKCE verifier goes along): no token ever reaches the browser. The ID
token is accepted only when its signature verifies with the provider's published keys and
its claims name our issuer, our client as audience, the nonce of this very sign-in, and a
lifetime that includes now (within a bounded leeway).
"""

from __future__ import annotations

from typing import Any

import httpx

# Authlib ships no type information.
from authlib.common.urls import url_encode  # type: ignore[import-untyped]
from authlib.oauth2.auth import ClientAuth  # type: ignore[import-untyped]
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri  # type: ignore[import-untyped]
from authlib.oauth2.rfc7636 import create_s256_code_challenge  # type: ignore[import-untyped]
from joserfc import jws, jwt
from joserfc.errors import ExpiredTokenError, InvalidClaimError, JoseError, MissingClaimError

from sshgate.api import ProviderUnavailable

from .failures import Refused
from .pending import Flow
from .provider import Provider, ProviderError
from .settings import PROVIDER

# Claim -> the reason recorded in the audit log when that claim is wrong.
CLAIM_REASONS = {"aud": "wrong_audience", "iss": "wrong_issuer", "nonce": "wrong_nonce"}


def authorization_url(
    provider: Provider, metadata: dict[str, Any], flow: Flow, redirect_uri: str
) -> str:
    """Where the browser goes to sign in: code flow, PKCE S256, our state and nonce."""
    return str(
        prepare_grant_uri(
            metadata["authorization_endpoint"],
            provider.config.client_id,
            "code",
            redirect_uri=redirect_uri,
            scope=" ".join(provider.config.scopes),
            state=flow.state,
            nonce=flow.nonce,
            code_challenge=create_s256_code_challenge(flow.verifier),
            code_challenge_method="S256",
        )
    )


def auth_method(provider: Provider, metadata: dict[str, Any]) -> str:
    """How the client authenticates at the token endpoint: HTTP Basic unless the provider
    only takes the secret in the body; ``none`` for a public client (PKCE alone)."""
    if not provider.config.secret():
        return "none"
    methods = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    if "client_secret_basic" in methods or "client_secret_post" not in methods:
        return "client_secret_basic"
    return "client_secret_post"


def client_auth(provider: Provider, metadata: dict[str, Any]) -> ClientAuth:
    return ClientAuth(
        provider.config.client_id, provider.config.secret(), auth_method(provider, metadata)
    )


async def redeem_code(
    provider: Provider, code: str, verifier: str, redirect_uri: str
) -> dict[str, Any]:
    """The token endpoint's answer for ``code``; raises :class:`Refused` when the provider
    refuses the code (used already, expired, PKCE mismatch) or answers no ID token."""
    metadata = await provider.metadata()
    body = url_encode(
        [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("code_verifier", verifier),
        ]
    )
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    url, headers, body = client_auth(provider, metadata).prepare(
        "POST", metadata["token_endpoint"], headers, body
    )
    try:
        response = await provider.http.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        raise ProviderUnavailable(PROVIDER, f"token endpoint: {exc.__class__.__name__}") from exc
    if response.status_code >= 500:
        raise ProviderUnavailable(PROVIDER, f"the token endpoint answered {response.status_code}")
    try:
        token = response.json()
    except ValueError:
        token = None
    if not isinstance(token, dict):
        raise Refused("token_unreadable", "the identity provider's token answer is unreadable")
    if response.status_code != 200 or "error" in token:
        error = str(token.get("error", response.status_code))
        raise Refused(
            f"token_refused:{error}"[:64],
            "the identity provider refused the sign-in code (it may have been used already "
            "or expired); start again",
        )
    if not isinstance(token.get("id_token"), str):
        raise Refused("no_id_token", "the identity provider answered no ID token")
    return token


async def check_id_token(provider: Provider, id_token: str, nonce: str) -> dict[str, Any]:
    """The verified claims of ``id_token``; raises :class:`Refused` otherwise."""
    metadata = await provider.metadata()
    try:
        header = jws.extract_compact(id_token.encode()).protected
    except (JoseError, ValueError) as exc:
        raise Refused("malformed_token", "the ID token is not a signed token") from exc
    algorithm = header.get("alg")
    if algorithm not in provider.algorithms(metadata):
        raise Refused("bad_algorithm", f"the ID token is signed with {algorithm!r}, not allowed")
    try:
        keys = await provider.keys_for(header.get("kid"))
    except ProviderError as exc:
        raise Refused("bad_jwks", str(exc)) from exc
    try:
        token = jwt.decode(id_token, keys, algorithms=[algorithm])
    except (JoseError, ValueError) as exc:
        raise Refused("bad_signature", "the ID token's signature does not verify") from exc
    config = provider.config
    registry = jwt.JWTClaimsRegistry(
        leeway=config.leeway,
        iss={"essential": True, "value": provider.issuer},
        aud={"essential": True, "value": config.client_id},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    claims = dict(token.claims)
    try:
        registry.validate(claims)
    except ExpiredTokenError as exc:
        raise Refused("token_expired", "the ID token has expired; sign in again") from exc
    except (InvalidClaimError, MissingClaimError) as exc:
        claim = getattr(exc, "claim", "") or ""
        reason = CLAIM_REASONS.get(claim, f"bad_claim:{claim}")
        raise Refused(reason, f"the ID token's {claim} claim is not ours") from exc
    except JoseError as exc:
        raise Refused("bad_claims", "the ID token's claims do not hold") from exc
    # OpenID Connect Core 3.1.3.7: with several audiences azp must name us; when present,
    # azp must name us in any case.
    audience, party = claims["aud"], claims.get("azp")
    several = isinstance(audience, list) and len(audience) > 1
    if (several and party != config.client_id) or (party is not None and party != config.client_id):
        raise Refused("wrong_audience", "the ID token was issued to another client")
    return claims
