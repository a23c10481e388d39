"""The coordinator's decision on a change request: accept or decline, with a comment."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, TextAreaField
from wtforms.validators import Length

from tracker.pilots.fields import Required
from tracker.pilots.form_parts import TEXT_MAX, CheckedForm

ACCEPT, DECLINE = "accept", "decline"


class ChangeDecisionForm(CheckedForm):
    choice = RadioField(_l("Your decision on the change request"), validators=[Required()],
                        validate_choice=False)
    comment = TextAreaField(_l("Comment to the owner"), validators=[Length(max=TEXT_MAX)],
                            render_kw={"rows": 2})

    def __init__(self, **kwargs):
        super().__init__(prefix="change", **kwargs)
        self.choice.choices = [(ACCEPT, _l("Accept the change")), (DECLINE, _l("Decline the change"))]

    def check(self) -> bool:
        if self.choice.data not in (ACCEPT, DECLINE):
            self.choice.errors = [*self.choice.errors, _l("Choose to accept or decline the change.")]
            return False
        if self.choice.data == DECLINE and not (self.comment.data or "").strip():
            self.comment.errors = [*self.comment.errors,
                                   _l("Write a comment: say why the change is declined.")]
            return False
        return True
