"""Partner rules without HTTP: organisation numbers, name keys, form validation, permissions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from tests import factories
from tracker.auth.models import Role
from tracker.partners import orgnr, permissions
from tracker.partners.forms import PartnerForm
from tracker.partners.names import is_close, name_key

# Real organisation numbers (Brønnøysundregistrene, Oslo kommune, Universitetet i Oslo).
VALID = ["974760673", "958935420", "971035854"]


@pytest.mark.parametrize("number", [*VALID, "974 760 673", " 958 935 420 ", "971.035.854", "971-035-854"])
def test_valid_organisation_numbers_are_accepted_with_or_without_spaces(number):
    assert orgnr.is_valid(number)


@pytest.mark.parametrize("number", ["974760674", "974760670", "123456789", "97476067", "9747606730",
                                    "97476067a", "", None, "٩٧٤٧٦٠٦٧٣"])
def test_wrong_check_digit_length_or_characters_are_refused(number):
    assert not orgnr.is_valid(number)


WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)  # Brønnøysund's MOD11 weights: the oracle the library is checked against


def mod11(first8: str) -> int | None:
    digit = (11 - sum(int(d) * w for d, w in zip(first8, WEIGHTS, strict=True)) % 11) % 11
    return None if digit == 10 else digit


def test_check_digit_ten_means_no_valid_number_whatever_the_last_digit():
    assert mod11("10000013") is None
    assert not any(orgnr.is_valid(f"10000013{d}") for d in range(10))


def test_check_digit_eleven_becomes_zero():
    first8 = next(f"{n:08d}" for n in range(10_000_000, 10_001_000)
                  if sum(int(d) * w for d, w in zip(f"{n:08d}", WEIGHTS, strict=True)) % 11 == 0)
    assert orgnr.is_valid(first8 + "0")


@given(st.from_regex(r"[0-9]{8}", fullmatch=True), st.integers(0, 9))
def test_exactly_the_mod11_check_digit_is_accepted(first8, last):
    expected = mod11(first8)
    assert orgnr.is_valid(f"{first8}{last}") is (expected == last)
    assert orgnr.is_valid(f"{first8[:3]} {first8[3:6]} {first8[6:]}{last}") is (expected == last)


# Real business ids: Volvo (SE), Novo Nordisk's CVR (DK), Nokia's Y-tunnus (FI).
@pytest.mark.parametrize(("country", "number", "shown"), [
    ("NO", "974760673", "974 760 673"), ("SE", "556036-0793", "556036-0793"),
    ("DK", "24 25 67 90", "24256790"), ("FI", "0112038-9", "0112038-9")])
def test_each_network_country_checks_and_shows_its_own_numbers(country, number, shown):
    assert orgnr.is_valid(number, country)
    assert orgnr.display(orgnr.normalise(number, country), country) == shown
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert orgnr.problem(wrong, country) == "checksum"


@pytest.mark.parametrize(("country", "number"), [
    ("NO", "5560360793"), ("SE", "974760673"), ("DK", "974760673"), ("FI", "2077474"), ("SE", "٥٥٦٠٣٦٠٧٩٣")])
def test_a_number_of_the_wrong_length_for_its_country_is_refused(country, number):
    assert orgnr.problem(number, country) == "length"


def test_display_groups_digits_in_threes():
    assert orgnr.display("974760673") == "974 760 673"
    assert orgnr.display(None) == ""


@pytest.mark.parametrize(("a", "b"), [
    ("Sirkulær Bygg AS", "sirkulaer bygg"),
    ("SINTEF", "Sintef AS"),
    ("Statkraft ASA", "statkraft"),
    ("Grønn  Logistikk, Eksempel A/S", "Gronn logistikk eksempel"),
    ("Crème Brûlée SA", "creme brulee"),
    ("Nabolagshager (eksempel)", "nabolagshager eksempel"),
    ("Bymiljøetaten", "BYMILJOETATEN"),
    ("Foo as.", "foo"),
])
def test_name_key_folds_case_spaces_punctuation_suffixes_and_diacritics(a, b):
    assert name_key(a) == name_key(b)


def test_name_key_keeps_a_suffix_word_that_is_the_whole_name_or_not_at_the_end():
    assert name_key("AS") == "as"
    assert name_key("AS Vinmonopolet") == "as vinmonopolet"
    assert name_key("Oslo Science Park") == "oslo science park"


@pytest.mark.parametrize(("a", "b", "close"), [
    ("Oslo Science Park AS", "oslo science park", True),
    ("Oslo Science Park", "Oslo Sciencepark", True),       # similar (difflib ratio)
    ("SINTEF", "SINTEF Digital", True),                     # contained as whole words
    ("Universitetet i Oslo", "OsloMet", False),
    ("Oslo", "Oslo universitetssykehus", True),
    ("AB", "AB Bygg", False),                              # too short to mean anything
    ("Inven2", "Innovasjon Norge", False),
])
def test_close_names(a, b, close):
    assert is_close(name_key(a), name_key(b)) is close


def form(app, **values):
    data = {"name": "Sensorbyen AS", "kind": "startup"} | values
    with app.test_request_context(method="POST", data=data, headers={"Accept-Language": "en"}):
        f = PartnerForm(formdata=MultiDict(data))
        f.validate()
        return f


def test_a_complete_form_is_valid_and_normalises_the_number(app):
    f = form(app, org_number=" 974 760 673 ", website="www.uio.no", contact_email="kari@example.org")
    assert f.errors == {}
    values = f.values()
    assert values["org_number"] == "974760673"
    assert values["website"] == "https://www.uio.no"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)",
                                 "java\tscript:alert(1)", "data:text/html,<script>alert(1)</script>",
                                 "ftp://example.org", "http://", "https://exa mple.org", "http://[::1",
                                 "https://<script>alert(1)</script>", "http://evil.example:99999",
                                 "http://user:pass@evil.example", "https://" + "9" * 400, "https://🙂.no",
                                 "https://localhost", "https://-bad-.no"])
def test_website_other_than_http_or_https_is_refused(app, url):
    f = form(app, website=url)
    assert f.website.errors == ["Enter a web address that starts with https:// or http://, "
                                "for example https://www.uio.no."]


@pytest.mark.parametrize("url", ["https://www.uio.no", "http://example.org/path?q=1", "sintef.no",
                                 "https://blåbær.no", "https://www.oslo.kommune.no:8443/x",
                                 "http://192.0.2.10/", "https://my_host.example.org"])
def test_http_and_https_websites_are_accepted(app, url):
    assert form(app, website=url).website.errors == []


def test_invalid_org_number_message_names_the_number_and_the_check_digit(app):
    f = form(app, org_number="974 760 674")
    assert f.org_number.errors == [
        "974 760 674 is not a valid organisation number: the check digit does not match."]
    assert form(app, org_number="12345").org_number.errors == [
        "An organisation number from Norway (organisasjonsnummer) has 9 digits, for example 974 760 673."]
    assert form(app, country="SE", org_number="974 760 673").org_number.errors == [
        "An organisation number from Sweden (organisationsnummer) has 10 digits, for example 556036-0793."]
    assert form(app, country="SE", org_number="556036-0793").org_number.errors == []


def test_required_fields_and_email(app):
    f = form(app, name="  ", kind="", contact_email="not-an-address")
    assert f.name.errors == ["Enter the name of the organisation."]
    assert f.kind.errors == ["Choose the kind of organisation."]
    assert f.contact_email.errors == ["Enter an e-mail address like name@example.org."]
    assert form(app, kind="spaceship").kind.errors  # not one of the kinds


@pytest.mark.parametrize(("role", "edit", "merge"), [
    (Role.STAFF, True, False), (Role.COORDINATOR, True, False), (Role.ADMIN, True, True)])
def test_permissions_per_role(app, role, edit, merge):
    user = factories.make_user(role)
    partner = factories.make_partner()
    assert permissions.can_view(user) and permissions.can_create(user)
    assert permissions.can_edit(user, partner) is edit
    assert permissions.can_merge(user, partner) is merge
    assert permissions.can_delete(user, partner) is merge


def test_anonymous_and_deactivated_users_may_do_nothing(app):
    from flask_login import AnonymousUserMixin

    partner = factories.make_partner()
    for user in (AnonymousUserMixin(), factories.make_user(Role.ADMIN, active=False), None):
        assert not permissions.can_view(user)
        assert not permissions.can_create(user)
        assert not permissions.can_edit(user, partner)
        assert not permissions.can_merge(user, partner)
        assert not permissions.can_delete(user, partner)
