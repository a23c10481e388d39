"""The API keeps its own promise: the generated OpenAPI document is valid OpenAPI 3.1, every
response (errors included) matches it (openapi-core), and schemathesis drives every operation with
generated input as anonymous, read and read+write callers: no answer >= 500, none off the document."""

from __future__ import annotations

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_core import Config, OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from openapi_spec_validator import OpenAPIV31SpecValidator
from werkzeug.test import EnvironBuilder

from tests import factories
from tests.api_helpers import auth, token_for
from tracker.db import db
from tracker.pilots.workflow import Status

STATUSES: list[int] = []
OPERATIONS = [("GET", "/api/v1/pilots"), ("POST", "/api/v1/pilots"), ("GET", "/api/v1/pilots/{pilot_id}"),
              ("PATCH", "/api/v1/pilots/{pilot_id}"), ("POST", "/api/v1/pilots/{pilot_id}/actions/{action}"),
              ("GET", "/api/v1/districts"), ("GET", "/api/v1/partners"), ("GET", "/api/v1/themes")]


@pytest.fixture
def document(client):
    return client.get("/api/v1/openapi.json").get_json()


@pytest.fixture
def callers(catalogue):
    """Anonymous, a read token and a read+write token of the owner of a few pilots."""
    world, (theme,), (partner, _other) = catalogue
    owner = world.staff_a
    for status in (Status.DRAFT, Status.SUBMITTED, Status.RUNNING, Status.EVALUATED):
        pilot = factories.make_pilot(owner, world.district_a, status, is_public=True)
        pilot.themes.append(theme)
        factories.link_partner(pilot, partner, "lead")
        factories.add_funding(pilot, 2026, 1000)
    db.session.commit()
    return {"anonymous": {}, "read": auth(token_for(owner, "read")),
            "read_write": auth(token_for(owner, "read_write"))}


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1")
    OpenAPIV31SpecValidator(document).validate()
    operations = {(method.upper(), path) for path, item in document["paths"].items() for method in item
                  if method != "parameters"}
    assert operations == set(OPERATIONS)  # so the generated-input test below drives every one


def test_every_response_matches_the_document(client, document, callers, catalogue):
    world, (theme,), (partner, _other) = catalogue
    # RFC 9457 bodies are JSON: openapi-core reads them as such once told.
    openapi = OpenAPI.from_dict(document, config=Config(
        extra_media_type_deserializers={"application/problem+json": json.loads}))
    draft = factories.make_pilot(world.staff_a, world.district_a, Status.DRAFT)
    db.session.commit()
    body = {"title": "Kontrakt", "district": world.district_a.id, "arena_kind": "digital",
            "themes": [theme.id],
            "partners": [{"partner": partner.id, "role": "lead"}],
            "funding": [{"year": 2027, "source_type": "partner", "partner": partner.id, "amount": 5}]}
    seen = set()
    for name, headers in callers.items():
        requests = [("get", "/api/v1/pilots", None, {}), ("get", "/api/v1/pilots?limit=2", None, {}),
                    ("get", "/api/v1/pilots?limit=0", None, {}),
                    ("get", f"/api/v1/pilots/{draft.id}", None, {}),
                    ("get", "/api/v1/pilots/99999", None, {}), ("get", "/api/v1/districts", None, {}),
                    ("get", "/api/v1/partners", None, {}), ("get", "/api/v1/themes", None, {}),
                    ("post", "/api/v1/pilots", body, {}), ("post", "/api/v1/pilots", {"title": 1}, {}),
                    ("patch", f"/api/v1/pilots/{draft.id}", {"need": "Ny"}, {}),
                    ("patch", f"/api/v1/pilots/{draft.id}", {"need": "Ny"}, {"If-Match": "1"}),
                    ("post", f"/api/v1/pilots/{draft.id}/actions/submit", {}, {"If-Match": "1"})]
        for method, url, json_body, extra in requests:
            sent = dict(path=url, method=method.upper(), json=json_body, headers={**headers, **extra})
            response = client.open(**sent)
            openapi.validate_response(WerkzeugOpenAPIRequest(EnvironBuilder(**sent).get_request()),
                                      WerkzeugOpenAPIResponse(response))
            seen.add((name, response.status_code))
        etag = client.get("/api/v1/themes", headers=headers).headers["ETag"]
        sent = dict(path="/api/v1/themes", headers={**headers, "If-None-Match": etag})
        cached = client.get(**sent)
        assert cached.status_code == 304
        openapi.validate_response(WerkzeugOpenAPIRequest(EnvironBuilder(**sent).get_request()),
                                  WerkzeugOpenAPIResponse(cached))
    statuses = {status for _name, status in seen}
    assert {200, 201, 401, 403, 404, 412, 422} <= statuses  # successes and problems were both checked


CHECKS = [schemathesis.checks.not_a_server_error, schemathesis.checks.response_schema_conformance,
          schemathesis.checks.status_code_conformance, schemathesis.checks.content_type_conformance,
          schemathesis.checks.response_headers_conformance]
@pytest.mark.parametrize("method,path", OPERATIONS)
def test_generated_requests_never_fail_or_break_the_document(app, callers, method, path):
    """Every operation (the list is checked against the document above) with generated input."""
    operation = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)[path][method]

    @given(case=operation.as_strategy())
    @settings(max_examples=25, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case):
        for headers in callers.values():
            STATUSES.append(case.call_and_validate(headers=headers, checks=CHECKS).status_code)

    STATUSES.clear()
    run()
    assert STATUSES and all(status < 500 for status in STATUSES)
