"""``GET /metrics``: Prometheus text format, for a bearer token or an administrator.

Public as far as the guard goes (Prometheus has no session): the view itself lets through
``Authorization: Bearer <SSHGATE_MONITOR_METRICS_TOKEN>`` or a signed-in administrator, and
answers 401 (no credentials) or 403 (not an administrator) otherwise.
"""

from __future__ import annotations

import hmac

from quart import Blueprint, Response, current_app, request

from sshgate.api import ApiError, current_actor, public

from .aggregate import exposition
from .settings import monitor_settings

bp = Blueprint("monitoring_metrics", __name__, url_prefix="/metrics")
# The classic text format, which every Prometheus (2.x and 3.x) and agent reads; our names
# are plain ASCII, so the 1.0.0 format's escaping would change nothing.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _token_ok() -> bool:
    expected = monitor_settings().metrics_token
    header = request.headers.get("Authorization", "")
    scheme, _, presented = header.partition(" ")
    if expected is None or scheme.lower() != "bearer" or not presented:
        return False
    return hmac.compare_digest(presented.strip().encode(), expected.get_secret_value().encode())


@bp.get("")
@public
async def scrape() -> Response:
    """Every worker's metrics, summed, and the probe status by server."""
    if not _token_ok():
        actor = current_actor()
        if actor is None:
            raise ApiError(401, "unauthorized", "send the metrics token as a bearer token")
        if not actor.is_admin:
            raise ApiError(403, "forbidden", "metrics are for administrators and the scraper")
    body = await exposition(current_app)
    return Response(body, content_type=CONTENT_TYPE, headers={"Cache-Control": "no-store"})
