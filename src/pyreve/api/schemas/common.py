from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints, model_validator

Email = Annotated[EmailStr, Field(max_length=100)]
Password = Annotated[str, StringConstraints(min_length=6, max_length=128)]
LoginPassword = Annotated[str, StringConstraints(min_length=4, max_length=128)]


class Body(BaseModel):
    """Request bodies read as the reference server's Go decoder reads them: unknown members are ignored,
    and a ``null`` member counts as absent, so its field takes its default (a required one is missing: 40001).
    Nested objects of a body derive from this class too, so the rule holds at every depth."""

    model_config = ConfigDict(extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _null_is_absent(cls, data: Any) -> Any:
        if isinstance(data, dict) and None in data.values():
            return {key: value for key, value in data.items() if value is not None}
        return data


def omit_empty(payload: dict[str, Any], *keys: str) -> dict[str, Any]:
    """Drop the listed members when false/0/""/empty (Go's omitempty)."""
    for key in keys:
        if key in payload and not payload[key]:
            del payload[key]
    return payload
