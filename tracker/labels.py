"""Display labels (nb/en) for every enum value, in one place for templates and exports.

The labels stay here rather than beside their enums: the models and ``workflow.py`` are free of
Flask (labels are Flask-Babel lazy strings), and each enum's labels are already written once, in
one dict per kind; a ``labels.py`` per domain would add a registration step without removing any
repetition.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from tracker.auth.models import Role
from tracker.files.models import Kind as AttachmentKind
from tracker.i18n import per_language
from tracker.partners.models import Country, PartnerKind
from tracker.pilots.models import ArenaKind, FundingKind, PartnerRole, ProgressState, SourceType, Verdict
from tracker.pilots.workflow import Action, Status

LABELS = {
    "status": {
        Status.DRAFT: _l("Draft"),
        Status.SUBMITTED: _l("Submitted"),
        Status.APPROVED: _l("Approved"),
        Status.RUNNING: _l("Running"),
        Status.PAUSED: _l("Paused"),
        Status.COMPLETED: _l("Completed"),
        Status.EVALUATED: _l("Evaluated"),
        Status.REJECTED: _l("Rejected"),
        Status.WITHDRAWN: _l("Withdrawn"),
    },
    "action": {
        Action.SUBMIT: _l("Submit for review"),
        Action.APPROVE: _l("Approve"),
        Action.RETURN: _l("Return to owner"),
        Action.REJECT: _l("Reject"),
        Action.REVISE: _l("Revise"),
        Action.START: _l("Start"),
        Action.PAUSE: _l("Pause"),
        Action.RESUME: _l("Resume"),
        Action.COMPLETE: _l("Complete"),
        Action.EVALUATE: _l("Mark as evaluated"),
        Action.WITHDRAW: _l("Withdraw"),
    },
    "attachment_kind": {
        AttachmentKind.APPLICATION: _l("Application"), AttachmentKind.AGREEMENT: _l("Agreement"),
        AttachmentKind.DPIA: _l("DPIA"), AttachmentKind.REPORT: _l("Report"),
        AttachmentKind.EVALUATION: _l("Evaluation"), AttachmentKind.PHOTO: _l("Photo"),
        AttachmentKind.OTHER: _l("Other"),
    },
    "arena_kind": {
        ArenaKind.PHYSICAL: _l("Physical"),
        ArenaKind.DIGITAL: _l("Digital"),
        ArenaKind.ORGANISATIONAL: _l("Organisational (new ways of working)"),
    },
    "country": {Country.NORWAY: _l("Norway"), Country.SWEDEN: _l("Sweden"), Country.DENMARK: _l("Denmark"),
                Country.FINLAND: _l("Finland")},
    "funding_kind": {FundingKind.CASH: _l("Cash"), FundingKind.IN_KIND: _l("In kind")},
    "source_type": {
        SourceType.MUNICIPAL: _l("City budget"),
        SourceType.STATE: _l("State"),
        SourceType.EU: _l("EU"),
        SourceType.PARTNER: _l("Partner"),
        SourceType.OTHER: _l("Other"),
    },
    "partner_role": {
        PartnerRole.LEAD: _l("Lead"),
        PartnerRole.IMPLEMENTER: _l("Implementer"),
        PartnerRole.FUNDER: _l("Funder"),
        PartnerRole.TEST_SITE_HOST: _l("Test site host"),
        PartnerRole.PARTICIPANT: _l("Participant"),
        PartnerRole.EVALUATOR: _l("Evaluator"),
    },
    "partner_kind": {
        PartnerKind.UNIVERSITY: _l("University"),
        PartnerKind.RESEARCH_INSTITUTE: _l("Research institute"),
        PartnerKind.HOSPITAL: _l("Hospital"),
        PartnerKind.STARTUP: _l("Startup"),
        PartnerKind.COMPANY: _l("Company"),
        PartnerKind.INCUBATOR: _l("Incubator"),
        PartnerKind.INVESTOR: _l("Investor"),
        PartnerKind.PUBLIC_AGENCY: _l("Public agency"),
        PartnerKind.VOLUNTARY: _l("Voluntary organisation"),
        PartnerKind.CLUSTER_NETWORK: _l("Cluster or network"),
        PartnerKind.OTHER: _l("Other"),
    },
    "verdict": {
        Verdict.SCALE_UP: _l("Scale up"),
        Verdict.CONTINUE: _l("Continue"),
        Verdict.STOP: _l("Stop"),
        Verdict.INCONCLUSIVE: _l("Inconclusive"),
    },
    "role": {Role.STAFF: _l("Staff"), Role.COORDINATOR: _l("Coordinator"), Role.ADMIN: _l("Administrator"),
             Role.VIEWER: _l("Innovation office")},
    # What an audit entry is about (``AuditEntry.entity``) and what was done (``AuditEntry.action``).
    "entity": {"pilot": _l("Pilot"), "partner": _l("Partner"), "user": _l("User"), "district": _l("District"),
               "theme": _l("Theme"), "network_source": _l("Followed district")},
    # The confirmation after a workflow action: what is true now, and what comes next.
    "action_done": {
        Action.SUBMIT: _l("The proposal is submitted for review."),
        Action.APPROVE: _l("The pilot is approved. The owner can start it when it begins."),
        Action.RETURN: _l("The proposal is returned to its owner with your comment."),
        Action.REJECT: _l("The proposal is rejected. The owner sees your reason."),
        Action.REVISE: _l("The proposal is a draft again: change it and submit it anew."),
        Action.START: _l("The pilot is running."),
        Action.PAUSE: _l("The pilot is paused."),
        Action.RESUME: _l("The pilot is running again."),
        Action.COMPLETE: _l("The pilot is completed. Record the outcome and lessons next."),
        Action.EVALUATE: _l("The pilot is evaluated."),
        Action.WITHDRAW: _l("The pilot is withdrawn."),
    },
    # The "are you sure?" question before an action whose ``Transition.confirm`` is set.
    "action_confirm": {
        Action.COMPLETE: _l("Complete “%(title)s”? Its actual end is set and it can no longer be paused "
                            "or resumed."),
        Action.EVALUATE: _l("Mark “%(title)s” as evaluated? This is final: the outcome and lessons can no "
                            "longer be changed."),
        Action.WITHDRAW: _l("Withdraw “%(title)s”? This is final."),
    },
    "progress_state": {
        ProgressState.ON_TRACK: _l("On track"), ProgressState.AT_RISK: _l("At risk"),
        ProgressState.OFF_TRACK: _l("Off track"),
    },
    "audit_action": {
        "create": _l("Created"), "update": _l("Edited"), "delete": _l("Deleted"),
        "outcome_create": _l("Outcome recorded"), "outcome_update": _l("Outcome updated"),
        "handover": _l("Handed over to a new owner"), "retire": _l("Retired"), "reinstate": _l("Reinstated"),
        "password": _l("Password set"), "password_link": _l("Set-password link made"),
        "deactivate": _l("Deactivated"), "reactivate": _l("Reactivated"),
        "merge": _l("Another partner merged into this one"), "merged_into": _l("Merged into another partner"),
        "partner_merge": _l("Partner records merged"),
        "progress_report": _l("Progress reported"), "progress_edit": _l("Progress report corrected"),
        # change requests after approval (tracker/changes)
        "change_request": _l("Change requested"), "change_accept": _l("Change request accepted"),
        "change_decline": _l("Change request declined"), "change_withdraw": _l("Change request withdrawn"),
        "import": _l("Imported from a spreadsheet"),  # tracker/imports
        # attachments (tracker/files)
        "attachment_add": _l("File attached"), "attachment_replace": _l("New version of a file"),
        "attachment_delete": _l("Attachment deleted"), "attachment_restore": _l("Attachment restored"),
        "attachment_purge": _l("Deleted attachment purged"), "link_add": _l("Link added"),
        # the network of cities (tracker/register)
        "follow": _l("District of another city followed"), "unfollow": _l("No longer followed"),
        Action.SUBMIT: _l("Submitted for review"), Action.APPROVE: _l("Approved"),
        Action.RETURN: _l("Returned to owner"), Action.REJECT: _l("Rejected"),
        Action.REVISE: _l("Reopened for revision"), Action.START: _l("Started"), Action.PAUSE: _l("Paused"),
        Action.RESUME: _l("Resumed"), Action.COMPLETE: _l("Completed"), Action.EVALUATE: _l("Evaluated"),
        Action.WITHDRAW: _l("Withdrawn"),
    },
}


def label(kind: str, value) -> str:
    """The translated label of an enum value (translated once per request).

    An unknown ``kind`` is a programming error: ``KeyError``. An unknown ``value`` shows as itself,
    since stored data can hold values this version no longer knows (audit entries and status events
    are never rewritten).
    """
    memo = per_language("labels")
    text = memo.get((kind, value))
    if text is None:
        text = memo[(kind, value)] = str(LABELS[kind].get(value, value))
    return text


def choices(kind: str) -> list[tuple[str, str]]:
    """``(value, label)`` pairs for a select field, in enum order."""
    return [(str(k), v) for k, v in LABELS[kind].items()]


# The value of a "Choose ..." first option: empty, as HTML wants for a required <select> (a
# browser then refuses to submit it unchosen, and the Nu Html Checker accepts the page).
PLACEHOLDER = ""


def optional_id(value) -> int | None:
    """``coerce`` for a select of ids with a placeholder: the empty choice is ``None``, anything
    else an id as ``tracker.guards.id_value`` reads it."""
    from tracker.guards import id_value

    return None if value in (PLACEHOLDER, None) else id_value(value)
