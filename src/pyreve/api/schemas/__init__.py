"""Wire shapes: request models (pydantic) and the presenters that build response payloads."""
