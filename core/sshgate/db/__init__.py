"""Database: engine and sessions, the declarative base, and migrations run under a lock."""

from __future__ import annotations

from .base import Model
from .engine import Database

__all__ = ["Database", "Model"]
