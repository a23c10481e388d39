"""Business ids of partners, country by country, checked by python-stdnum.

The network's countries: Norway (organisasjonsnummer, 9 digits, MOD11), Sweden
(organisationsnummer, 10 digits, Luhn), Denmark (CVR, 8 digits, MOD11) and Finland (Y-tunnus,
7 digits and a check digit). Numbers are stored compact (digits only) and shown the way each
country writes them; a number is unique per country (``uq_partners_country_org_number``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import ModuleType

from flask_babel import lazy_gettext as _l
from stdnum.dk import cvr
from stdnum.exceptions import InvalidChecksum, ValidationError
from stdnum.fi import ytunnus
from stdnum.no import orgnr as no_orgnr
from stdnum.se import orgnr as se_orgnr

from tracker.partners.models import Country

DEFAULT = Country.NORWAY
SEPARATORS = re.compile(r"[\s.\-]")


@dataclass(frozen=True)
class Scheme:
    """One country's business id: the stdnum module that checks it and how people write it."""

    module: ModuleType
    digits: int
    example: str
    name: object  # a lazy translated string


SCHEMES: dict[str, Scheme] = {
    Country.NORWAY: Scheme(no_orgnr, 9, "974 760 673", _l("Norway (organisasjonsnummer)")),
    Country.SWEDEN: Scheme(se_orgnr, 10, "556036-0793", _l("Sweden (organisationsnummer)")),
    Country.DENMARK: Scheme(cvr, 8, "13585628", _l("Denmark (CVR-nummer)")),
    Country.FINLAND: Scheme(ytunnus, 8, "2077474-0", _l("Finland (Y-tunnus)")),
}


def scheme(country: str | None) -> Scheme:
    return SCHEMES.get(country or DEFAULT, SCHEMES[DEFAULT])


def normalise(raw: str | None, country: str | None = DEFAULT) -> str:
    """Digits only: ``"974 760 673"``, ``"974.760.673"`` and ``"974760673"`` are the same number;
    Finland's ``2077474-0`` is ``20774740``."""
    return SEPARATORS.sub("", raw or "")


def problem(raw: str | None, country: str | None = DEFAULT) -> str | None:
    """None when ``raw`` is a valid number of ``country``; else ``"length"`` (wrong number of
    ASCII digits) or ``"checksum"`` (the check digit does not match)."""
    number = normalise(raw, country)
    rules = scheme(country)
    if not (number.isascii() and number.isdigit() and len(number) == rules.digits):
        return "length"
    try:
        rules.module.validate(number)
    except InvalidChecksum:
        return "checksum"
    except ValidationError:
        return "length"
    return None


def is_valid(raw: str | None, country: str | None = DEFAULT) -> bool:
    return problem(raw, country) is None


def display(number: str | None, country: str | None = DEFAULT) -> str:
    """The number as its country writes it (``974 760 673``, ``556036-0793``); anything else as is."""
    number = number or ""
    if not is_valid(number, country):
        return number
    module = scheme(country).module
    return module.format(number) if hasattr(module, "format") else number
