"""TOTP second factor (RFC 6238 via pyotp) with replay protection by time step."""

from __future__ import annotations

import base64
import hmac
import io
import time

import pyotp
import qrcode

ISSUER = "sshgate"
STEP = 30
# Accept the previous and next step too: phone clocks drift.
DRIFT_STEPS = 1


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_png_data_uri(uri: str) -> str:
    buffer = io.BytesIO()
    qrcode.make(uri, box_size=6, border=2).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def verify(secret: str, code: str, last_step: int, now: float | None = None) -> int | None:
    """The time step the code belongs to, if valid and newer than ``last_step``; else None.

    Storing the returned step as the new ``last_step`` makes every code single-use.
    """
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = int((time.time() if now is None else now) // STEP)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if step > last_step and hmac.compare_digest(totp.at(step * STEP), code):
            return step
    return None
