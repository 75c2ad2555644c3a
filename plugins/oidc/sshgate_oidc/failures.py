"""A sign-in that did not work: counted, audited with the provider named, and answered.

The callback is a page the browser navigates to, so a person gets a short HTML page that says
what went wrong and leads back to the login; API clients (``Accept: application/json``) get
the usual JSON error. Either way the status is a 4xx (503 when the provider does not answer)
and nothing secret (codes, tokens) is echoed back.
"""

from __future__ import annotations

from html import escape

from quart import Response, request

from sshgate.api import error_response, fail_sign_in

from .settings import PROVIDER


class Refused(Exception):
    """The provider's answer signs nobody in: ``reason`` is the short code for the audit log,
    ``message`` is for the person; ``username`` when the provider vouched for someone."""

    def __init__(
        self, reason: str, message: str, *, status: int = 401, username: str | None = None
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.status = status
        self.username = username


# The app's inline icon (frontend/index.html): no request for /favicon.ico.
ICON = (
    "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'"
    "%3E%3Crect width='32' height='32' rx='8' fill='%232563eb'/%3E%3Cpath d='M9 11l5 "
    "5-5 5M16 22h7' stroke='white' stroke-width='3' fill='none' stroke-linecap='round"
    "' stroke-linejoin='round'/%3E%3C/svg%3E"
)

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign-in failed - sshgate</title>
<link rel="icon" href="{icon}">
<style>
  /* The app's colours (frontend/app/tokens.css); the theme follows the system's. */
  :root {{ color-scheme: light; --bg: #eef1f5; --surface: #ffffff; --border: #d6dce4;
          --text: #17202c; --muted: #566172; --accent: #1d5fd6;
          font: 15px/1.5 system-ui, sans-serif; }}
  @media (prefers-color-scheme: dark) {{
    :root {{ color-scheme: dark; --bg: #0c1016; --surface: #141a22; --border: #28313d;
            --text: #e3e8ef; --muted: #9ba6b5; --accent: #78adff; }}
  }}
  body {{ display: grid; place-items: center; min-height: 100vh; margin: 0;
         background: var(--bg); color: var(--text); }}
  main {{ box-sizing: border-box; width: min(26rem, calc(100vw - 2rem)); padding: 2rem;
         background: var(--surface); border: 1px solid var(--border); border-radius: 10px; }}
  h1 {{ font-size: 1.25rem; margin: 0 0 0.75rem; }}
  p {{ margin: 0 0 0.75rem; }}
  .muted {{ color: var(--muted); font-size: 0.875rem; }}
  a {{ color: var(--accent); }}
</style>
</head>
<body>
<main>
<h1>Sign-in with {provider} failed</h1>
<p>{message}</p>
<p class="muted">Reference: <code>{code}</code></p>
<p><a href="{back}">Back to the sign-in page</a></p>
</main>
</body>
</html>
"""


def wants_html() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html"


def answer(status: int, code: str, message: str, provider_name: str, back: str) -> Response:
    if not wants_html():
        return error_response(status, code, message, {"provider": PROVIDER})
    sentence = message[:1].upper() + message[1:]  # API messages start in lower case
    body = PAGE.format(
        provider=escape(provider_name),
        message=escape(sentence),
        code=escape(code),
        back=back,
        icon=ICON,
    )
    response = Response(body, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


async def refuse(refused: Refused, provider_name: str, back: str) -> Response:
    """Count the failure against the caller (throttling), audit it and answer it."""
    await fail_sign_in(PROVIDER, refused.reason, username=refused.username)
    return answer(refused.status, "sso_failed", refused.message, provider_name, back)
