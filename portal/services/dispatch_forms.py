"""A dispatch's own form: learned from the blank template staff attach, or copied from an
earlier dispatch; None is the built-in sites-and-pages form (mailin/forms/columns.py)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from mailin.forms.learn import LearnedForm, TemplateNotReadable, learn_form
from mailin.forms.spec import FieldType, FormField, FormSpec, field_key
from mailin.text import nfc
from portal.errors import InvalidInput
from portal.extensions import db
from portal.models import Dispatch
from portal.services import audit

# What staff read for each type, in the admin and on the command line.
TYPE_LABELS = {
    FieldType.TEXT: _l("text"),
    FieldType.URL: _l("web address"),
    FieldType.PHONE: _l("phone number"),
    FieldType.EMAIL: _l("e-mail address"),
    FieldType.INTEGER: _l("whole number"),
    FieldType.DECIMAL: _l("decimal number"),
    FieldType.DATE: _l("date"),
    FieldType.CHOICE: _l("choice from a list"),
    FieldType.YESNO: _l("yes or no"),
}


def open_forms() -> tuple[FormSpec, ...]:
    """The own forms of the open dispatches: a table pasted in an email that follows one
    makes the email a return, as a table of the sites-and-pages form does (mailin.kinds)."""
    forms = db.session.scalars(
        select(Dispatch.form).where(Dispatch.is_open, Dispatch.form.is_not(None))
    )
    return tuple(FormSpec.from_dict(form) for form in forms)


def learn_from_template(data: bytes) -> LearnedForm:
    """The form a blank template asks for, to be confirmed by staff (InvalidInput when the
    file holds no header row the portal can read)."""
    try:
        return learn_form(data)
    except TemplateNotReadable as exc:
        raise InvalidInput(str(exc)) from exc


def form_copied_from(number: str) -> FormSpec | None:
    """The form of an earlier dispatch (None: it asks for the sites-and-pages form)."""
    dispatch = db.session.scalar(select(Dispatch).where(Dispatch.number == number.strip()))
    if dispatch is None:
        raise InvalidInput(_("Dispatch %(number)s does not exist.", number=number))
    return dispatch.form_spec


def describe_field(field: FormField) -> str:
    """One line for staff: 'Ngày sinh — date, required'."""
    details = [str(TYPE_LABELS[field.type])]
    if field.choices:
        details.append(" / ".join(field.choices))
    if field.required:
        details.append(_("required"))
    if field.unique:
        details.append(_("once per return"))
    return f"{field.header} — {', '.join(details)}"


def set_form(dispatch: Dispatch, spec: FormSpec | None) -> None:
    """Give the dispatch this form (None: the sites-and-pages form), audited; committed.

    Returns already read keep their rows: each value is stored by its field's key, which
    a renamed header keeps, and a dropped field's values stay with the row (exports list
    them after the form's own columns)."""
    before = {"form": dispatch.form}
    dispatch.form = spec.to_dict() if spec else None
    audit.record("update", dispatch, before=before, after={"form": dispatch.form})
    db.session.commit()


def edited_form(spec: FormSpec, title: str, rows: list[dict[str, str]]) -> FormSpec:
    """The form as staff corrected it on its page: for each row, its key (empty for a new
    column), header, type, choices and other headers (';' between them), and whether it
    is required, unique or removed. A row without a header is left out."""
    known = {one.key for one in spec.fields}
    taken: set[str] = set()
    fields = []
    for row in rows:
        header = " ".join(nfc(row.get("header", "")).split())
        if not header or row.get("remove"):
            continue
        key = row.get("key", "")
        if key not in known or key in taken:
            key = field_key(header, taken | known)
        taken.add(key)
        fields.append(_edited_field(key, header, row))
    if not fields:
        raise InvalidInput(_("A form needs at least one column."))
    return FormSpec(" ".join(nfc(title).split()), tuple(fields))


def _edited_field(key: str, header: str, row: dict[str, str]) -> FormField:
    try:
        kind = FieldType(row.get("type", "text"))
    except ValueError as exc:
        raise InvalidInput(_("Unknown column type: %(type)s.", type=row.get("type"))) from exc
    choices = _listed(row.get("choices", ""))
    if kind == FieldType.CHOICE and not choices:
        raise InvalidInput(_("The column %(header)s needs its list of choices.", header=header))
    return FormField(
        key=key,
        header=header,
        type=kind,
        alternatives=_listed(row.get("alternatives", "")),
        required=bool(row.get("required")),
        unique=bool(row.get("unique")),
        choices=choices if kind == FieldType.CHOICE else (),
    )


def _listed(text: str) -> tuple[str, ...]:
    return tuple(piece for piece in (" ".join(p.split()) for p in nfc(text).split(";")) if piece)
