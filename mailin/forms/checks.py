"""The checks of docs/form.md ("Row checks") on every row, by stable code."""

from __future__ import annotations

import re

from mailin.forms.values import is_valid_email, split_emails
from mailin.text import fold

ERRORS = ("missing_name", "missing_url", "bad_url", "bad_email")
WARNINGS = (
    "non_vn_domain",
    "facebook_profile",
    "not_youth_union_name",
    "duplicate_in_return",
    "duplicate_other_unit",
    "official_page",
)
_YOUTH_UNION = re.compile(r"\b(doan|thanh nien|dtn|tuoi tre|tncs|chi doan|doi)\b")


def row_findings(
    values: dict[str, str],
    key: str,
    platform: str,
    seen: set[str],
    official: frozenset[str],
    name_folded: str | None = None,
) -> tuple[list[str], list[str]]:
    """(error codes, warning codes) of one row; `seen` holds the URL keys of earlier rows,
    `name_folded` the name already folded (mailin.text.fold), when the caller has it."""
    errors, warnings = [], []
    name, url = values.get("name", ""), values.get("url", "")
    if not name:
        errors.append("missing_name")
    if not url:
        errors.append("missing_url")
    elif not key:
        errors.append("bad_url")
    if any(not is_valid_email(a) for a in split_emails(values.get("email", ""))):
        errors.append("bad_email")
    host = key.split("/", 1)[0]
    if key and platform == "website" and not host.endswith(".vn"):
        warnings.append("non_vn_domain")
    if platform == "facebook_profile":
        warnings.append("facebook_profile")
    if name and not _YOUTH_UNION.search(fold(name) if name_folded is None else name_folded):
        warnings.append("not_youth_union_name")
    if key and key in seen:
        warnings.append("duplicate_in_return")
    if key and key in official:
        warnings.append("official_page")
    return errors, warnings
