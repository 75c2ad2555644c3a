"""``sshgate oidc check``: what sshgate sees of the provider, before anyone signs in.

It reads the discovery document and the JWKS exactly as a sign-in would (same settings, same
checks: the issuer must match, keys must be usable) and prints the endpoints, the signing
algorithms, the key ids, the client authentication and the group mapping. The client
secret is never printed; exit status 1 says what is wrong.
"""

from __future__ import annotations

import asyncio

import click
import httpx

from sshgate.api import ProviderUnavailable, app_for_command

from .provider import Provider, ProviderError
from .settings import OidcSettings, oidc_settings
from .tokens import auth_method


async def describe(config: OidcSettings) -> list[str]:
    async with httpx.AsyncClient(timeout=config.timeout, follow_redirects=False) as http:
        provider = Provider(config, http)
        metadata = await provider.metadata()
        keys = await provider.keys_for(None)
    accepted = provider.algorithms(metadata)
    offered = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
    if not accepted:
        raise ProviderError(f"the provider signs ID tokens only with {offered}, none accepted")
    kids = [str(key.kid) for key in keys.keys]
    return [
        f"issuer: {provider.issuer} (discovery document matches)",
        f"authorization endpoint: {metadata['authorization_endpoint']}",
        f"token endpoint: {metadata['token_endpoint']}",
        f"JWKS: {metadata['jwks_uri']} ({len(kids)} key(s): {', '.join(kids) or '-'})",
        f"ID token algorithms accepted: {', '.join(accepted)} (offered: {', '.join(offered)})",
        f"client: {config.client_id}, authentication {auth_method(provider, metadata)}",
        f"scopes: {' '.join(config.scopes)}",
        f"callback URL: {config.redirect_url or '<sshgate URL>/api/oidc/callback'}",
        f"username claim: {config.username_claim}, groups claim: {config.groups_claim}",
        f"group map: {len(config.group_map)} provider group(s); "
        f"admin groups: {', '.join(config.admin_groups) or '-'}",
        f"accounts created at first sign-in: {'yes' if config.auto_create else 'no'}",
    ]


def register(cli: click.Group) -> None:
    @cli.group("oidc")
    def oidc() -> None:
        """OpenID Connect single sign-on."""

    @oidc.command("check")
    def check() -> None:
        """Read the provider's discovery document and keys as a sign-in would."""
        config = oidc_settings(app_for_command())
        if not config.enabled:
            raise click.ClickException("single sign-on is off: SSHGATE_OIDC_ISSUER is not set")
        try:
            lines = asyncio.run(describe(config))
        except (ProviderUnavailable, ProviderError) as exc:
            raise click.ClickException(f"{config.issuer}: {exc}") from exc
        for line in lines:
            click.echo(line)
