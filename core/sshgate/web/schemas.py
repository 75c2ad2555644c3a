"""Base class for request bodies: strict types and no unknown fields; shared field types.

``"read_only": "no"`` must be an error, not ``False``; a misspelled field must be an error,
not silently ignored. A value the database cannot take must be a 400 that names the field,
not a 500 from the driver.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

# Ids are INTEGER columns: 32 bits on PostgreSQL. A larger id cannot exist, and the driver
# would fail on it ("value out of int32 range").
DB_ID_MAX = 2**31 - 1


def no_nul(value: str) -> str:
    """PostgreSQL text cannot hold NUL; no name, search or filter needs one either."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


DbId = Annotated[int, Field(ge=1, le=DB_ID_MAX)]
Text = Annotated[str, AfterValidator(no_nul)]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
