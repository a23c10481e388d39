"""Forms for attachments: files (one or more), a link, a new version of a file."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FileField,
    MultipleFileField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, ValidationError

from tracker.files.models import NEVER_PUBLIC, Kind
from tracker.files.permissions import may_be_public
from tracker.labels import choices

MAX_FILES = 5


def _text(value) -> str:
    return (value or "").strip()


def _files_given(files) -> list:
    return [f for f in (files or []) if getattr(f, "filename", "")]


class _AttachmentForm(FlaskForm):
    title = StringField(_l("Title"), filters=[_text],
                        validators=[InputRequired(_l("Enter a title.")), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k, v) for k, v in choices("attachment_kind")],
                       default=Kind.OTHER)
    note = TextAreaField(_l("Note"), filters=[_text], validators=[Length(max=4000)], render_kw={"rows": 2})
    is_public = BooleanField(_l("Show in the public register"))

    def __init__(self, pilot, **kwargs):
        super().__init__(**kwargs)
        self.pilot = pilot

    def validate_is_public(self, field):
        if field.data and not may_be_public(self.pilot, self.kind.data):
            if self.kind.data in NEVER_PUBLIC:
                raise ValidationError(_l("Agreements and DPIAs are never public."))
            raise ValidationError(_l("Only attachments of pilots in the public register can be public."))


class UploadForm(_AttachmentForm):
    files = MultipleFileField(_l("Files"))

    def validate_files(self, field):
        given = _files_given(field.data)
        if not given:
            raise ValidationError(_l("Choose at least one file."))
        if len(given) > MAX_FILES:
            raise ValidationError(_l("Choose at most %(n)s files at a time.", n=MAX_FILES))


class LinkForm(_AttachmentForm):
    url = StringField(_l("Address (https://…)"), filters=[_text],
                      validators=[InputRequired(_l("Enter the address.")), Length(max=2000)])
    case_number = StringField(_l("Archive case number"), filters=[_text], validators=[Length(max=100)])

    def validate_url(self, field):
        parts = urlsplit(field.data)
        text = field.data
        if parts.scheme.lower() != "https" or not parts.hostname or any(c.isspace() for c in text):
            raise ValidationError(_l("Enter an address that starts with https://, such as "
                                     "https://www.oslo.kommune.no/."))


class ReplaceForm(FlaskForm):
    file = FileField(_l("New version"))

    def validate_file(self, field):
        if not getattr(field.data, "filename", ""):
            raise ValidationError(_l("Choose a file."))
