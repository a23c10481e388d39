"""The pilot page's workflow forms: one per action, and the reviewer's one decision form.

What each asks for (a comment, required or not; a date) comes from the action's ``Transition``.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, RadioField, TextAreaField
from wtforms.validators import Length, Optional

from tracker.labels import label
from tracker.pilots.fields import Required, in_pilot_years, not_in_future
from tracker.pilots.form_parts import TEXT_MAX, CheckedForm
from tracker.pilots.workflow import TRANSITIONS, Action


class _CommentedForm(CheckedForm):
    comment = TextAreaField(_l("Comment"), validators=[Length(max=TEXT_MAX)], render_kw={"rows": 2})

    def _comment_given(self, action: Action, message) -> bool:
        """False, with ``message`` on the comment box, if ``action`` needs a comment and has none."""
        if TRANSITIONS[action].comment_required and not (self.comment.data or "").strip():
            self.comment.errors = [*self.comment.errors, message]
            return False
        return True


DATE_LABELS = {"actual_start": _l("Actual start"), "actual_end": _l("Actual end")}


class ActionForm(_CommentedForm):
    """One workflow action other than the review (the pilot page shows one per allowed action,
    each with its prefix); what it asks for comes from the action's ``Transition``."""

    on_date = DateField(_l("Date"), validators=[Optional(), in_pilot_years, not_in_future])

    def __init__(self, action, **kwargs):
        super().__init__(prefix=str(action), **kwargs)
        self.action = Action(action)
        self.transition = TRANSITIONS[self.action]
        # Named after the action: the page has a comment box per action, and so may the error summary.
        self.comment.label.text = _l("Comment for “%(action)s”", action=label("action", action))
        self.on_date.label.text = DATE_LABELS.get(self.transition.sets_date, _l("Date"))
        self.comment.flags.required = self.transition.comment_required

    def check(self) -> bool:
        return self._comment_given(self.action, _l("Write a comment: this action needs one."))


class DecisionForm(_CommentedForm):
    """The reviewer's one decision on a submitted proposal: approve, return or reject (the
    ``offered`` ones), with one comment box, required when the chosen action needs one."""

    choice = RadioField(_l("Your decision"), validators=[Required()], validate_choice=False)

    def __init__(self, offered, **kwargs):
        super().__init__(prefix="decision", **kwargs)
        self.choice.choices = [(str(a), label("action", a)) for a in offered]
        self.comment.label.text = _l("Comment to the owner")

    @property
    def action(self) -> Action:
        """The chosen action (after ``validate``)."""
        return Action(self.choice.data)

    @property
    def comment_needed_for(self) -> list[str]:
        """The labels of the offered choices that need a comment."""
        return [text for value, text in self.choice.choices if TRANSITIONS[value].comment_required]

    def check(self) -> bool:
        if self.choice.data not in dict(self.choice.choices):
            self.choice.errors = [*self.choice.errors, _l("Choose your decision.")]
            return False
        return self._comment_given(self.action, _l("Write a comment: “%(action)s” needs one.",
                                                   action=label("action", self.action)))
