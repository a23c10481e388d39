"""API writes go through the web's own forms and operations, so the API can never do what the UI
forbids: a JSON body becomes the form data the proposal (or action) form would have posted, the
form checks it with its own rules and messages, and the operation re-checks permissions.
"""

from __future__ import annotations

from datetime import date

from werkzeug.datastructures import MultiDict

from tracker.pilots.action_forms import ActionForm
from tracker.pilots.forms import PilotForm
from tracker.pilots.operations import Content
from tracker.pilots.workflow import Action

ROW_LISTS = ("partners", "funding")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def stored_values(pilot) -> dict:
    """A pilot's proposal fields in the API's input shape (what an update starts from)."""
    return {
        "title": pilot.title, "district": pilot.district_id, "arena_kind": pilot.arena_kind,
        "themes": [t.id for t in pilot.themes], "need": pilot.need, "description": pilot.description,
        "goals": pilot.goals, "location": pilot.location, "planned_start": pilot.planned_start,
        "planned_end": pilot.planned_end, "agency": pilot.agency, "contact_name": pilot.contact_name,
        "contact_email": pilot.contact_email, "contact_phone": pilot.contact_phone,
        "is_public": pilot.is_public,
        "partners": [{"partner": link.partner_id, "role": link.role} for link in pilot.partner_links],
        "funding": [{"year": f.year, "source_type": f.source_type, "partner": f.partner_id,
                     "source": f.source, "amount": f.amount, "kind": f.kind} for f in pilot.funding],
    }


def form_data(values: dict) -> MultiDict:
    """``values`` (input shape) as the proposal form's posted fields."""
    data = MultiDict()
    for name, value in values.items():
        if name == "themes":
            for theme in value:
                data.add("themes", str(theme))
        elif name in ROW_LISTS:
            for i, row in enumerate(value):
                for key, cell in row.items():
                    data.add(f"{name}-{i}-{key}", _text(cell))
        elif name == "is_public":
            if value:
                data.add(name, "y")
        else:
            data.add(name, _text(value))
    return data


def pilot_form(values: dict, pilot=None, may_move: bool = True) -> PilotForm:
    """The proposal form filled with ``values``, validated (``form.errors`` says what is wrong)."""
    form = PilotForm(formdata=form_data(values), meta={"csrf": False}, pilot=pilot, may_move=may_move)
    form.validate()
    return form


def content(form: PilotForm) -> Content:
    return Content(values=form.content_values(), themes=form.selected_themes(),
                   partners=form.cleaned.partners, funding=form.cleaned.funding)


def action_form(action: Action, comment: str, on_date) -> ActionForm:
    data = MultiDict({f"{action}-comment": comment or "", f"{action}-on_date": _text(on_date)})
    form = ActionForm(action, formdata=data, meta={"csrf": False})
    form.validate()
    return form


def form_errors(form: PilotForm) -> list[dict]:
    """The proposal form's errors as RFC 9457 entries; row errors point at the row's field
    (``/partners/1/role``), also those the form's cross-row checks add after validation."""
    out = []
    for field in form:
        if field.name in ROW_LISTS:
            for i, entry in enumerate(field.entries):
                for sub in entry.form:
                    pointer = f"/{field.name}/{i}/{sub.short_name}"
                    out += [{"pointer": pointer, "detail": str(e)} for e in sub.errors]
        else:
            out += [{"pointer": f"/{field.name}", "detail": str(e)} for e in field.errors]
    return out


def pointers(errors, base: str = "") -> list[dict]:
    """WTForms or marshmallow errors (nested dicts and lists) as RFC 9457 entries with JSON pointers."""
    out = []
    if isinstance(errors, dict):
        for key, value in errors.items():
            out += pointers(value, f"{base}/{key}")
    elif isinstance(errors, list | tuple):
        if not any(isinstance(e, dict | list | tuple) for e in errors):
            out += [{"pointer": base or "/", "detail": str(e)} for e in errors]
        else:
            for i, value in enumerate(errors):
                out += pointers(value, f"{base}/{i}")
    elif errors:
        out.append({"pointer": base or "/", "detail": str(errors)})
    return out
