"""What becomes of a stored message: machine mail set aside, correspondence to its queue,
a return recorded and acknowledged, the rest held in triage with the reason why.

The rules (docs/architecture.md, "Invariants the code relies on"): a return carries a form
(mailin.kinds); a From address the mailbox's own server says is forged matches no unit
(mailin.authres); a stranger, a forgery, a dangerous message or machine mail never gets a
reply from us.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from mailin.authres import SenderCheck, SenderProof, check_sender
from mailin.forms import FormReading, MessageForms, ReadingStatus
from mailin.forms.generic import SpecReading
from mailin.forms.spec import FormSpec
from mailin.kinds import Kind, Verdict, classify
from mailin.message import ParsedMessage
from portal.database import utcnow
from portal.extensions import db
from portal.models import (
    Dispatch,
    HoldReason,
    InboundMessage,
    InboundStatus,
    MailKind,
    OutboundMessage,
    OutboundState,
    Submission,
    Unit,
    UnitEmail,
)
from portal.services.acknowledge import acknowledge_return, acknowledge_triage
from portal.services.dispatch_forms import open_forms
from portal.services.matching import MatchRoute, match_dispatch, match_unit
from portal.services.reading import read_for_dispatch, unit_by_line
from portal.services.returns import record_return, return_of_message


@dataclass(frozen=True)
class Outcome:
    status: InboundStatus
    unit_id: int | None = None
    dispatch_id: int | None = None
    detail: str = ""


def verdict_of(parsed: ParsedMessage, forms: tuple[FormSpec, ...] | None = None) -> Verdict:
    """What the message is (mailin.kinds). `forms`: the open dispatches' own forms, when the
    caller has them (a fetch batch asks once); else asked here if the email has a table."""
    if forms is None:
        forms = open_forms() if "<table" in parsed.html.lower() else ()
    return classify(parsed, *own_identity(), forms=forms)


def file_message(
    message: InboundMessage,
    parsed: ParsedMessage,
    forms: Future[MessageForms] | None = None,
    verdict: Verdict | None = None,
) -> Outcome:
    """Decide and record what the message is (not committed: the caller commits).
    `forms`: its forms, being read by a worker (else read here when it is a return);
    `verdict`: what it is, when the caller already knows (else classified here)."""
    verdict = verdict or verdict_of(parsed)
    message.reasons = ",".join([*verdict.reasons, *verdict.dangers])[:255]
    if verdict.kind == Kind.MACHINE:
        return _set_aside(message, parsed, verdict.reasons[0])
    message.kind, message.machine_reason = MailKind.PERSON, ""
    recorded = return_of_message(message)
    if recorded is not None:  # a replay: what was recorded (by staff, say) stays a return
        return _read_again(message, parsed, recorded, forms)
    proof = sender_proof(parsed)
    message.sender_proof = proof.proof
    dispatch, dispatch_route = match_dispatch(parsed)
    message.dispatch_id = dispatch.id if dispatch else None
    message.forwarded_from = ", ".join(parsed.forwarded_senders)[:254]
    message.unit_id = None
    if proof.proof == SenderProof.NOT_PROVEN:  # never matched by its address, never answered
        return _hold(message, HoldReason.SENDER_NOT_PROVEN, ", ".join(proof.reasons))
    unit, unit_route = match_unit(parsed)
    message.unit_id = unit.id if unit else None
    if verdict.dangers:  # a program or a path in a file name: no one opens or answers it
        return _hold(message, HoldReason.DANGEROUS, ", ".join(verdict.dangers))
    if verdict.kind == Kind.CORRESPONDENCE:
        if unit is None:
            return _hold(message, HoldReason.UNKNOWN_SENDER, "no form, unknown sender")
        return _file_correspondence(message, verdict)
    return _file_return(message, parsed, forms, (unit, unit_route), (dispatch, dispatch_route))


def _file_return(
    message: InboundMessage,
    parsed: ParsedMessage,
    forms: Future[MessageForms] | None,
    matched_unit: tuple[Unit | None, MatchRoute],
    matched_dispatch: tuple[Dispatch | None, MatchRoute],
) -> Outcome:
    """A message that carries a form: recorded as the unit's return and acknowledged, or
    held in triage when its unit or dispatch is unknown (answered there only if it carries
    a readable form and ACK_TRIAGE is on)."""
    (unit, unit_route), (dispatch, dispatch_route) = matched_unit, matched_dispatch
    reading, attachment_id = _read(message, parsed, forms, dispatch)
    if unit is None and reading is not None and reading.unit_line:
        unit = unit_by_line(reading.unit_line)
        unit_route = MatchRoute.UNIT_LINE if unit else MatchRoute.NONE
        message.unit_id = unit.id if unit else None
    if not (unit and dispatch):
        routes = f"unit: {unit_route or 'unknown'}; dispatch: {dispatch_route or 'unknown'}"
        return _hold_unmatched(message, reading, routes, unit_known=unit is not None)
    # A unit named only by its form (the sender's address is not registered) is asked
    # for review: anyone can type a unit's name.
    needs_review = unit_route == MatchRoute.UNIT_LINE
    # Settled first: the message is then written once, with the return (one UPDATE).
    _settle(message, InboundStatus.PROCESSED)
    submission = record_return(message, unit, dispatch, reading, attachment_id, needs_review)
    acknowledge_return(message, submission)
    return Outcome(
        message.status,
        unit.id,
        dispatch.id,
        f"{unit_route}; {dispatch_route}; {submission.row_count} rows",
    )


def _read(
    message: InboundMessage,
    parsed: ParsedMessage,
    forms: Future[MessageForms] | None,
    dispatch: Dispatch | None,
) -> tuple[FormReading | SpecReading | None, int | None]:
    """The forms read for the dispatch (a worker's reading used when there is one and the
    dispatch asks for the sites-and-pages form)."""
    spec_form = dispatch is not None and dispatch.form is not None
    ahead = forms.result() if forms is not None and not spec_form else None
    return read_for_dispatch(message, parsed, dispatch, ahead)


def _hold_unmatched(
    message: InboundMessage,
    reading: FormReading | SpecReading | None,
    routes: str,
    unit_known: bool,
) -> Outcome:
    """A return whose unit or dispatch is unknown waits in triage; answered there only if
    it carries a readable form (and ACK_TRIAGE is on)."""
    hold = HoldReason.UNKNOWN_DISPATCH if unit_known else HoldReason.UNKNOWN_SENDER
    outcome = _hold(message, hold, routes)
    if _is_readable(reading):
        acknowledge_triage(message)
    return outcome


def _settle(message: InboundMessage, status: InboundStatus) -> None:
    """The message handled: its status, no error, not held."""
    message.status, message.error, message.hold_reason = status, "", HoldReason.NONE


def _read_again(
    message: InboundMessage,
    parsed: ParsedMessage,
    submission: Submission,
    forms: Future[MessageForms] | None,
) -> Outcome:
    """The message's return read again with today's reader, for the same unit and
    dispatch; a return staff recorded as "no pages" has nothing to read."""
    if submission.read_error != ReadingStatus.NO_PAGES:
        reading, attachment_id = _read(message, parsed, forms, submission.dispatch)
        record_return(message, submission.unit, submission.dispatch, reading, attachment_id)
    _settle(message, InboundStatus.PROCESSED)
    return Outcome(
        message.status, submission.unit_id, submission.dispatch_id, f"{submission.row_count} rows"
    )


def sender_proof(parsed: ParsedMessage) -> SenderCheck:
    """What the mailbox's own server (MAILIN_AUTHSERV_ID) says of the From address."""
    domain = parsed.sender.address.rpartition("@")[2]
    return check_sender(
        parsed.authentication_results, current_app.config["MAILIN_AUTHSERV_ID"], domain
    )


def _file_correspondence(message: InboundMessage, verdict: Verdict) -> Outcome:
    """A unit's message without a form: to the correspondence queue, to be answered by a
    person (unless staff already dealt with it: a replay keeps their decision)."""
    if message.status != InboundStatus.CORRESPONDENCE:
        message.needs_answer = True
    _settle(message, InboundStatus.CORRESPONDENCE)
    return Outcome(message.status, message.unit_id, message.dispatch_id, ",".join(verdict.reasons))


def _hold(message: InboundMessage, reason: HoldReason, detail: str) -> Outcome:
    message.status, message.error, message.hold_reason = InboundStatus.TRIAGE, "", reason
    return Outcome(message.status, message.unit_id, message.dispatch_id, f"{reason}: {detail}")


def _is_readable(reading: FormReading | SpecReading | None) -> bool:
    return reading is not None and reading.status == ReadingStatus.READ and bool(reading.rows)


def _set_aside(message: InboundMessage, parsed: ParsedMessage, reason: str) -> Outcome:
    """Machine mail: kept and classified, never answered nor read; a bounce is noted."""
    message.kind, message.machine_reason = MailKind.MACHINE, reason
    message.status, message.hold_reason = InboundStatus.IGNORED, HoldReason.NONE
    message.related_outbound_id = _bounced_outbound(parsed)
    if message.related_outbound_id and reason in ("delivery_report", "robot_sender"):
        mark_bounced(db.session.get(OutboundMessage, message.related_outbound_id))
    return Outcome(message.status, detail=reason)


def own_identity() -> tuple[frozenset[str], frozenset[str]]:
    """(our Message-ID domains, our addresses), from the configuration."""
    config = current_app.config
    addresses = {
        a.strip().lower()
        for a in (
            config["IMAP_USER"],
            config["MAIL_USERNAME"],
            _address_of(config["MAIL_DEFAULT_SENDER"]),
        )
        if a
    }
    addresses = {a for a in addresses if "@" in a}
    domains = {config["MAIL_MESSAGE_ID_DOMAIN"].lower()} - {""}
    return frozenset(domains), frozenset(addresses)


def _address_of(sender: object) -> str:
    if isinstance(sender, tuple):
        return sender[1]
    text = str(sender or "")
    return text.rsplit("<", 1)[-1].rstrip(">") if "<" in text else text


def mark_bounced(outbound: OutboundMessage) -> None:
    """Our message bounced: say so on it, and flag the unit addresses it went to."""
    outbound.state = OutboundState.BOUNCED
    addresses = [a.strip().lower() for a in outbound.to_addresses.split(",") if a.strip()]
    for email in db.session.scalars(select(UnitEmail).where(UnitEmail.address.in_(addresses))):
        email.bounced_at = utcnow()


def _bounced_outbound(parsed: ParsedMessage) -> int | None:
    """The outbound message a delivery report is about, when its Message-ID is ours."""
    for reported in parsed.reported_message_ids:
        found = db.session.scalar(
            select(OutboundMessage.id).where(OutboundMessage.message_id == reported)
        )
        if found:
            return found
    return None
