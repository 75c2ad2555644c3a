"""The OpenID provider as this worker knows it: its discovery document and its signing keys.

Both are cached. Providers rotate their keys by publishing the new one in the JWKS and then
signing with it, so a token whose ``kid`` is not in the cached set triggers one refetch; the
refetch is rate-limited so that a stream of forged ``kid`` values cannot turn sshgate into a
load generator against the provider.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from quart import Quart

from sshgate.api import ProviderUnavailable

from .settings import PROVIDER, OidcSettings, oidc_settings

EXTENSION = "oidc.provider"
DISCOVERY_TTL = 3600.0  # seconds: endpoints change rarely; keys are refreshed on their own
DISCOVERY_PATH = "/.well-known/openid-configuration"
# Asymmetric signatures only: "none" and shared-secret HMAC are never accepted.
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384")


class ProviderError(Exception):
    """The provider answered something unusable (not a transport failure)."""


class Provider:
    def __init__(self, config: OidcSettings, http: httpx.AsyncClient) -> None:
        assert config.issuer is not None
        self.issuer = config.issuer
        self.config = config
        self.http = http
        self._metadata: dict[str, Any] | None = None
        self._metadata_at = 0.0
        self._keys: KeySet | None = None
        # When an unknown kid last caused a refetch: the rate limit's clock.
        self._refetched_at = float("-inf")
        self._lock = asyncio.Lock()
        self.jwks_fetches = 0  # how often the key set was downloaded (tests, diagnostics)

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = await self.http.get(url, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(PROVIDER, f"{url}: {exc.__class__.__name__}") from exc
        if response.status_code >= 500:
            raise ProviderUnavailable(PROVIDER, f"{url} answered {response.status_code}")
        if response.status_code != 200:
            raise ProviderError(f"{url} answered {response.status_code}")
        try:
            body = response.json()
        except ValueError as exc:
            raise ProviderError(f"{url} did not answer JSON") from exc
        if not isinstance(body, dict):
            raise ProviderError(f"{url} did not answer a JSON object")
        return body

    async def metadata(self) -> dict[str, Any]:
        """The discovery document, checked: it must name our issuer (mix-up defence)."""
        async with self._lock:
            fresh = time.monotonic() - self._metadata_at < DISCOVERY_TTL
            if self._metadata is not None and fresh:
                return self._metadata
            body = await self._get_json(self.issuer + DISCOVERY_PATH)
            if str(body.get("issuer", "")).rstrip("/") != self.issuer:
                raise ProviderError(
                    f"the discovery document names the issuer {body.get('issuer')!r}, "
                    f"not {self.issuer!r}"
                )
            for field in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
                if not isinstance(body.get(field), str):
                    raise ProviderError(f"the discovery document has no {field}")
            self._metadata, self._metadata_at = body, time.monotonic()
            return body

    def algorithms(self, metadata: dict[str, Any]) -> list[str]:
        offered = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
        return [alg for alg in SIGNING_ALGORITHMS if alg in offered]

    async def keys_for(self, kid: str | None) -> KeySet:
        """The signing keys: fetched the first time, refetched when ``kid`` is unknown, at
        most once per ``jwks_min_refetch`` seconds."""
        metadata = await self.metadata()
        async with self._lock:
            if self._keys is not None and self._knows(kid):
                return self._keys
            now = time.monotonic()
            if self._keys is not None:
                if now - self._refetched_at < self.config.jwks_min_refetch:
                    return self._keys  # too soon: verification fails on the cached set
                self._refetched_at = now  # counted even when the fetch fails
            body = await self._get_json(metadata["jwks_uri"])
            try:
                keys = KeySet.import_key_set(body)  # type: ignore[arg-type]
            except (JoseError, ValueError, TypeError, KeyError) as exc:
                raise ProviderError(f"the provider's JWKS is not usable: {exc}") from exc
            self._keys = keys
            self.jwks_fetches += 1
            return keys

    def _knows(self, kid: str | None) -> bool:
        assert self._keys is not None
        if kid is None:
            return len(self._keys.keys) > 0
        return any(key.kid == kid for key in self._keys.keys)


async def open_provider(app: Quart) -> None:
    config = oidc_settings(app)
    if not config.enabled:
        return
    http = httpx.AsyncClient(timeout=config.timeout, follow_redirects=False)
    app.extensions[EXTENSION] = Provider(config, http)


async def close_provider(app: Quart) -> None:
    provider: Provider | None = app.extensions.pop(EXTENSION, None)
    if provider is not None:
        await provider.http.aclose()


def provider_of(app: Quart) -> Provider | None:
    return app.extensions.get(EXTENSION)
