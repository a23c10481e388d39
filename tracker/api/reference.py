"""The API docs page's content: the OpenAPI document as plain lists for a server-rendered page
(our own markup, readable without JavaScript and by screen readers; the JSON stays the source)."""

from __future__ import annotations

import re

METHODS = ("get", "post", "put", "patch", "delete")


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def type_of(schema: dict) -> dict:
    """``{"text": "string (date) | null", "ref": None}``: a notation, not prose (no translation);
    ``ref`` names a schema to link to, ``end`` closes an array (``[ThemeOut]``)."""
    if "$ref" in schema:
        return {"text": "", "ref": _ref_name(schema["$ref"])}
    kinds = schema.get("type", "object")
    kinds = [kinds] if isinstance(kinds, str) else list(kinds)
    if "array" in kinds:
        inner = type_of(schema.get("items", {}))
        return {"text": "[" + inner["text"], "ref": inner["ref"], "end": "]"}
    text = " | ".join(kinds)
    if schema.get("format"):
        text += f" ({schema['format']})"
    if schema.get("enum"):
        text += ": " + ", ".join(str(v) for v in schema["enum"] if v is not None)
    return {"text": text, "ref": None}


def _fields(schema: dict) -> list[dict]:
    required = set(schema.get("required", ()))
    return [{"name": name, "type": type_of(prop), "required": name in required,
             "description": prop.get("description", "")}
            for name, prop in schema.get("properties", {}).items()]


def _body_schema(holder: dict) -> dict | None:
    for content in holder.get("content", {}).values():
        return content.get("schema")
    return None


def operations(spec: dict) -> list[dict]:
    """Every operation in path order: method, path, summary, description, whether a token is
    needed, parameters, request body type and responses."""
    components = spec.get("components", {})
    out = []
    for path, item in spec.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            security = op.get("security", spec.get("security", []))
            responses = []
            for code, response in op.get("responses", {}).items():
                if "$ref" in response:
                    response = components.get("responses", {}).get(_ref_name(response["$ref"]), {})
                schema = _body_schema(response)
                responses.append({"code": code, "description": response.get("description", ""),
                                  "type": type_of(schema) if schema else None})
            body = _body_schema(op.get("requestBody", {}))
            out.append({
                "id": re.sub(r"[^a-z0-9]+", "-", f"{method}{path}".lower()).strip("-"),
                "method": method.upper(), "path": path, "summary": op.get("summary", ""),
                "description": op.get("description", ""), "token": {} not in security,
                "parameters": [{"name": p["name"], "in": p["in"], "required": p.get("required", False),
                                "type": type_of(p.get("schema", {})), "description": p.get("description", "")}
                               for p in [*shared, *op.get("parameters", [])]],
                "body": type_of(body) if body else None,
                # a form on the page sends it (a GET with query arguments only, without a token)
                "try": method == "get" and {} in security and all(
                    p["in"] == "query" for p in [*shared, *op.get("parameters", [])]),
                "responses": sorted(responses, key=lambda r: (r["code"] == "default", r["code"])),
            })
    return sorted(out, key=lambda o: (o["path"], METHODS.index(o["method"].lower())))


def schemas(spec: dict) -> list[dict]:
    """The named schemas with their fields, by name."""
    found = spec.get("components", {}).get("schemas", {})
    return [{"name": name, "description": schema.get("description", ""), "fields": _fields(schema)}
            for name, schema in sorted(found.items())]
