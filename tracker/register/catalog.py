"""The DCAT-AP-NO description of the register's data set (JSON-LD), for the national data portal.

The licence is NLOD 2.0 unless ``TRACKER_OPEN_DATA_LICENCE`` names another (its URI); the
publisher is ``TRACKER_OPEN_DATA_PUBLISHER`` (name) and ``TRACKER_OPEN_DATA_PUBLISHER_URI`` (its
entry in the Central Coordinating Register for Legal Entities, as DCAT-AP-NO asks).
"""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from tracker.links import absolute_url

NLOD = "https://data.norge.no/nlod/no/2.0"
KNOWN_LICENCES = {NLOD: "Norsk lisens for offentlige data (NLOD) 2.0",
                  "http://creativecommons.org/licenses/by/4.0/": "Creative Commons Attribution 4.0"}
EU = "http://publications.europa.eu/resource/authority/"
CONTEXT = {"dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/",
           "foaf": "http://xmlns.com/foaf/0.1/", "vcard": "http://www.w3.org/2006/vcard/ns#",
           "rdfs": "http://www.w3.org/2000/01/rdf-schema#"}


def licence() -> dict:
    url = current_app.config["OPEN_DATA_LICENCE"]
    return {"url": url, "name": KNOWN_LICENCES.get(url, url)}


def _both(text) -> list[dict]:
    """``text`` (a lazy translated string) in Norwegian and English, as JSON-LD language-tagged values."""
    values = []
    for lang in ("nb", "en"):
        with force_locale(lang):
            values.append({"@value": str(text), "@language": lang})
    return values


def _distribution(endpoint: str, fmt: str, media: str, title: str) -> dict:
    url = absolute_url(endpoint)
    return {"@id": url, "@type": "dcat:Distribution", "dct:title": _both(title),
            "dcat:accessURL": {"@id": url},
            "dcat:downloadURL": {"@id": url}, "dct:format": {"@id": f"{EU}file-type/{fmt}"},
            "dcat:mediaType": {"@id": f"https://www.iana.org/assignments/media-types/{media}"},
            "dct:license": {"@id": licence()["url"]}}


def dcat(districts) -> dict:
    """The catalogue with the one data set (the public register) and its distributions."""
    config = current_app.config
    publisher = {"@id": config["OPEN_DATA_PUBLISHER_URI"], "@type": "foaf:Agent",
                 "foaf:name": config["OPEN_DATA_PUBLISHER"]}
    contact = {"@type": "vcard:Organization", "vcard:hasURL": {"@id": absolute_url("register.data")}}
    if config.get("OPEN_DATA_CONTACT_EMAIL"):
        contact["vcard:hasEmail"] = {"@id": f"mailto:{config['OPEN_DATA_CONTACT_EMAIL']}"}
    dataset = {
        "@id": absolute_url("register.index"),
        "@type": "dcat:Dataset",
        "dct:identifier": absolute_url("register.index"),
        "dct:title": _both(_l("Pilots in the city's test arenas")),
        "dct:description": _both(_l("Public pilots in the city's innovation districts and the city as a test "
                                 "arena: the need, what is tested, goals, partners, period, status and, "
                                 "once evaluated, the outcome and lessons learned.")),
        "dct:publisher": publisher,
        "dcat:contactPoint": contact,
        "dcat:theme": [{"@id": f"{EU}data-theme/GOVE"}, {"@id": f"{EU}data-theme/TECH"}],
        "dcat:keyword": _both(_l("test arena")) + _both(_l("innovation")) + _both(_l("pilot")),
        "dct:accessRights": {"@id": f"{EU}access-right/PUBLIC"},
        "dct:license": {"@id": licence()["url"]},
        "dct:language": [{"@id": f"{EU}language/NOB"}, {"@id": f"{EU}language/ENG"}],
        "dct:spatial": [{"@type": "dct:Location", "rdfs:label": d.name} for d in districts],
        "dct:accrualPeriodicity": {"@id": f"{EU}frequency/CONT"},
        "dcat:landingPage": {"@id": absolute_url("register.index")},
        "foaf:page": {"@id": absolute_url("register.data")},
        "dcat:distribution": [
            _distribution("register.pilots_csv", "CSV", "text/csv", _l("All public pilots as CSV")),
            _distribution("register.pilots_json", "JSON", "application/json",
                          _l("All public pilots as JSON")),
            _distribution("register.feed", "ATOM", "application/atom+xml",
                          _l("New and changed public pilots (Atom feed)")),
        ],
    }
    return {"@context": CONTEXT, "@id": absolute_url("register.catalog_jsonld"), "@type": "dcat:Catalog",
            "dct:title": _both(_l("Testarena: the public register")),
            "dct:description": _both(_l("Open data from the city's pilot register.")),
            "dct:publisher": publisher, "dct:license": {"@id": licence()["url"]},
            "dcat:dataset": [dataset]}
