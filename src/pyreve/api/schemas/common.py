from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

Email = Annotated[EmailStr, Field(max_length=100)]
Password = Annotated[str, StringConstraints(min_length=6, max_length=128)]
LoginPassword = Annotated[str, StringConstraints(min_length=4, max_length=128)]


class Body(BaseModel):
    """Request bodies ignore unknown members, as the reference binder does."""

    model_config = ConfigDict(extra="ignore")


def omit_empty(payload: dict[str, Any], *keys: str) -> dict[str, Any]:
    """Drop the listed members when false/0/""/empty (Go's omitempty)."""
    for key in keys:
        if key in payload and not payload[key]:
            del payload[key]
    return payload
