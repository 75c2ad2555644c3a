"""The sign-in routes: ``start`` sends the browser to the provider, ``callback`` finishes.

``callback`` answers a redirect to the app root at once (303): the code and state it was
called with are single use and never stay in the address bar; no token ever reaches the
browser. Every way it can fail is a 4xx (503 when the provider does not answer), counted
against the caller's address in the login throttle and audited with the provider named.
"""

from __future__ import annotations

import re
from typing import Any

from quart import Blueprint, Response, current_app, redirect, request
from werkzeug.wrappers.response import Response as WerkzeugResponse

from sshgate.api import ApiError, ProviderUnavailable, check_sign_in, public, settings, sign_in

from . import pending, subjects
from .failures import Refused, answer, refuse
from .mapping import identity_from
from .provider import Provider, ProviderError, provider_of
from .settings import OidcSettings, oidc_settings
from .tokens import authorization_url, check_id_token, redeem_code

bp = Blueprint("oidc", __name__, url_prefix="/api/oidc")

COOKIE = "sshgate_oidc"  # binds a flow to the browser that started it
BACK = "../../"  # the app root, relative to /api/oidc/<route>


def configured() -> tuple[OidcSettings, Provider]:
    config = oidc_settings()
    provider = provider_of(current_app)
    if provider is None:
        raise ApiError(404, "not_found", "single sign-on is not configured")
    return config, provider


def callback_url(config: OidcSettings) -> str:
    # /api/oidc/start and /api/oidc/callback are siblings; base_url carries the root path.
    return config.redirect_url or request.base_url.rsplit("/", 1)[0] + "/callback"


def cookie_options(max_age: int | None) -> dict[str, Any]:
    core = settings()
    secure = core.cookie_secure
    if secure is None:
        secure = request.scheme == "https" or request.headers.get("X-Forwarded-Proto") == "https"
    # Lax, not Strict: the callback is a top-level navigation coming from the provider.
    return {
        "path": (core.root_path or "") + "/api/oidc/",
        "secure": secure,
        "httponly": True,
        "samesite": "Lax",
        "max_age": max_age,
    }


def unavailable(config: OidcSettings, message: str) -> Response:
    return answer(
        503,
        "provider_unavailable",
        f"{config.provider_name} is not answering ({message}); try again later, "
        "or sign in with a local account",
        config.provider_name,
        BACK,
    )


@bp.get("/start")
@public
async def start() -> Response | WerkzeugResponse:
    """Begin a sign-in: a fresh state, nonce and PKCE verifier, then off to the provider."""
    config, provider = configured()
    try:
        await check_sign_in()
        metadata = await provider.metadata()
    except ApiError as exc:
        return answer(exc.status, exc.code, exc.message, config.provider_name, BACK)
    except ProviderUnavailable as exc:
        return unavailable(config, exc.message)
    except ProviderError as exc:
        return unavailable(config, str(exc))
    flow = await pending.begin(config.flow_lifetime)
    url = authorization_url(provider, metadata, flow, callback_url(config))
    response = redirect(url, 302)
    response.set_cookie(COOKIE, flow.browser, **cookie_options(config.flow_lifetime))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/callback")
@public
async def callback() -> Response | WerkzeugResponse:
    """Where the provider sends the browser back: redeem the code, check the ID token, sign
    the user in and go to the app root."""
    config, provider = configured()
    try:
        await check_sign_in()
    except ApiError as exc:
        return answer(exc.status, exc.code, exc.message, config.provider_name, BACK)
    try:
        response = await finish(config, provider)
    except Refused as refused:
        response = await refuse(refused, config.provider_name, BACK)
    except ProviderUnavailable as exc:
        response = unavailable(config, exc.message)
    except ProviderError as exc:
        response = unavailable(config, str(exc))
    response.delete_cookie(COOKIE, path=cookie_options(None)["path"], samesite="Lax", httponly=True)
    response.headers["Cache-Control"] = "no-store"
    return response


async def finish(config: OidcSettings, provider: Provider) -> Response:
    args = request.args
    state, code = args.get("state", ""), args.get("code", "")
    flow = await pending.take(state, request.cookies.get(COOKIE), config.flow_lifetime)
    error = args.get("error")
    if error:
        # The person declined, or the provider refused: its words, bounded and escaped later.
        detail = (args.get("error_description") or error)[:200]
        error_code = re.sub(r"[^A-Za-z0-9_.-]", "?", error)  # RFC 6749 codes: plain ASCII
        raise Refused(f"provider_error:{error_code}"[:64], f"the identity provider said: {detail}")
    if not code or len(code) > 2048:
        raise Refused("no_code", "the identity provider sent no sign-in code")
    token = await redeem_code(provider, code, flow.verifier, callback_url(config))
    claims = await check_id_token(provider, token["id_token"], flow.nonce)
    identity = identity_from(claims, config)
    subject = str(claims["sub"])
    bound = await subjects.check(provider.issuer, identity.username, subject)
    try:
        response = await sign_in(identity, redirect_to=BACK, create=config.auto_create)
    except ApiError as exc:
        # sign_in audited it (account_conflict, account_disabled, too_many_attempts, ...).
        return answer(exc.status, exc.code, exc.message, config.provider_name, BACK)
    if not bound:
        await subjects.bind(provider.issuer, identity.username, subject)
    return response
