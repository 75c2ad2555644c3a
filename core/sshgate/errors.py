"""Exceptions with a meaning the rest of the system acts on."""

from __future__ import annotations

from typing import Any


class StartupError(Exception):
    """sshgate cannot start; the message is one line that says why and what to change."""


class ApiError(Exception):
    """An error answered to an API client as ``{"error": {"code", "message", "details"}}``."""

    def __init__(
        self, status: int, code: str, message: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}

    def to_json(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}
