"""Base class for request bodies: strict types and no unknown fields.

``"read_only": "no"`` must be an error, not ``False``; a misspelled field must be an error,
not silently ignored.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
