"""Every request body reads JSON as the reference server's Go decoder does: a ``null`` member means the
field's default and unknown members are ignored (DESIGN.md, "Go's JSON at the wire").

The bodies are found in the OpenAPI document, so a new route is covered without listing it here.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from pyreve.api.schemas.common import Body
from pyreve.app import create_app
from pyreve.config import Config
from tests.conftest import Api, Server

URI_FIELDS = {"uri", "uris", "dst", "parent_uri"}


def resolve(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    """Follow a ``$ref`` to the components of the document or the ``$defs`` of an inline schema."""
    while "$ref" in schema:
        *_, section, name = schema["$ref"].split("/")
        schema = document["components"]["schemas"][name] if section == "schemas" else document["$defs"][name]
    return schema


def sample(schema: dict[str, Any], document: dict[str, Any], name: str = "") -> Any:
    """A valid value for ``schema``: required members filled in, every optional member ``null``."""
    schema = resolve(schema, document)
    if "anyOf" in schema:
        schema = next(branch for branch in schema["anyOf"] if branch.get("type") != "null")
        return sample(schema, document, name)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" and "properties" in schema:
        required = set(schema.get("required", []))
        return {key: sample(prop, document, key) if key in required else None
                for key, prop in schema["properties"].items()}
    if kind == "object":
        return {}
    if kind == "array":
        return [sample(schema["items"], document, name) for _ in range(schema.get("minItems", 0))]
    if kind in ("integer", "number"):
        return schema.get("minimum", 0)
    if kind == "boolean":
        return False
    assert kind == "string", (name, schema)
    if schema.get("format") == "email":
        return f"bodies-{uuid.uuid4().hex[:12]}@example.com"
    if name in URI_FIELDS:
        return "cloudreve://my"
    return "x" * max(schema.get("minLength", 1), 1)


def without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [without_nulls(item) for item in value]
    return value


def request_bodies(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, schema) of every operation that takes a JSON body."""
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                found.append((method, path, content["application/json"]["schema"]))
    return found


def model_names(schema: dict[str, Any], document: dict[str, Any], seen: set[str]) -> set[str]:
    """The models a body schema is made of: itself and every object it nests, at any depth."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        if name not in seen:
            seen.add(name)
            model_names(resolve(schema, document), document, seen)
        return seen
    if "properties" in schema and "title" in schema:
        seen.add(schema["title"])
    for value in schema.values():
        for child in value if isinstance(value, list) else [value]:
            if isinstance(child, dict):
                model_names(child, document, seen)
    return seen


def body_models() -> dict[str, type[Body]]:
    found: dict[str, type[Body]] = {}
    pending = [Body]
    while pending:
        for model in pending.pop().__subclasses__():
            assert model.__name__ not in found, f"two request models named {model.__name__}"
            found[model.__name__] = model
            pending.append(model)
    return found


@pytest.fixture(scope="module")
def in_process_document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    data_dir = tmp_path_factory.mktemp("openapi")
    app: Any = create_app(Config(data_dir=data_dir, path=Path(data_dir / "conf.ini")))
    while not isinstance(app, FastAPI):  # under the byte-moving fast lane (and CORS when enabled)
        app = app.app
    return app.openapi()


def test_every_request_body_and_every_object_it_nests_is_a_body_model(in_process_document: dict[str, Any]) -> None:
    bodies = request_bodies(in_process_document)
    assert len(bodies) > 30
    models = body_models()
    for method, path, schema in bodies:
        inline = {**in_process_document, **schema}  # inline schemas keep their nested models in $defs
        for name in model_names(schema, inline, set()):
            assert name in models, f"{method.upper()} {path}: {name} does not derive from Body"


def test_every_body_model_takes_null_as_the_default(in_process_document: dict[str, Any]) -> None:
    for name, model in body_models().items():
        schema = model.model_json_schema()
        given = sample(schema, {**in_process_document, **schema})
        read = model.model_validate(given)
        assert read == model.model_validate(without_nulls(given)), name
        for field_name, field in model.model_fields.items():
            if not field.is_required():
                assert getattr(read, field_name) == field.get_default(call_default_factory=True), (name, field_name)


def test_every_route_answers_a_body_of_nulls_past_validation(server: Server, api: Api) -> None:
    document = httpx.get(server.base + "/api/v4/openapi.json").json()
    _, token = api.new_user()
    for method, path, schema in request_bodies(document):
        body = sample(schema, {**document, **schema})
        url = path.removeprefix("/api/v4").replace("{", "").replace("}", "")  # path parameters: their names
        result = api.call(method.upper(), url, token, json=body)
        # A binding refusal is 40001 without a correlation id; a service may still refuse the values (with one).
        refused_by_binder = result["code"] == 40001 and "correlation_id" not in result
        assert not refused_by_binder, (method, path, body, result)
