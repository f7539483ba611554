"""Is the From address proven? Read from the mailbox's own server's Authentication-Results.

Anyone can write an Authentication-Results header (RFC 8601), so only one is believed: the
top-most one whose authserv-id is the mailbox's own receiving server (`mx.google.com` for
Gmail). Headers below it were written before our server saw the message (by the sender,
say) and are ignored, as are headers naming other servers.

Exchange Online (Microsoft 365) writes its header without an authserv-id and renames the
ones a message arrives with to Authentication-Results-Original; MICROSOFT_365 names that.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from mailin.headers import one_line

MICROSOFT_365 = "microsoft365"  # the setting's value for Exchange Online's id-less header


class SenderProof(enum.StrEnum):
    PROVEN = "proven"  # the trusted header says SPF or DKIM vouch for the From domain
    NOT_PROVEN = "not_proven"  # the trusted header says the From address is forged
    UNKNOWN = "unknown"  # no trusted header, or one that settles nothing
    UNCHECKED = ""  # no authserv-id configured: no judgement at all


@dataclass(frozen=True)
class SenderCheck:
    proof: SenderProof
    reasons: tuple[str, ...] = ()  # e.g. ("dmarc=fail",), ("spf=fail", "no aligned dkim=pass")


@dataclass(frozen=True)
class AuthResult:
    method: str  # spf, dkim, dmarc, ...
    result: str  # pass, fail, softfail, none, ...
    properties: dict[str, str]  # header.from, header.d, header.i, smtp.mailfrom, ...


_TOKEN = re.compile(r"([A-Za-z0-9_.-]+)\s*=\s*(\"(?:[^\"\\]|\\.)*\"|[^\s;]+)")


def check_sender(values: list[str], authserv_id: str, from_domain: str) -> SenderCheck:
    """What the trusted Authentication-Results (values: the header's values, top-most
    first, as in the message) say of the From domain."""
    if not authserv_id.strip():
        return SenderCheck(SenderProof.UNCHECKED)
    trusted = trusted_results(values, authserv_id)
    if trusted is None:
        return SenderCheck(SenderProof.UNKNOWN, ("no header from the mailbox's server",))
    return judge(trusted, from_domain.lower())


def trusted_results(values: list[str], authserv_id: str) -> list[AuthResult] | None:
    """The results of the top-most header written by `authserv_id`, or None."""
    wanted = authserv_id.strip().lower()
    for value in values:
        server, results = parse_header(value)
        if server == wanted or (not server and wanted == MICROSOFT_365):
            return results
    return None


def judge(results: list[AuthResult], from_domain: str) -> SenderCheck:
    """dmarc=fail, or spf=fail without a dkim=pass aligned with the From domain: not
    proven. A pass of DMARC, or of an aligned SPF or DKIM: proven. Else unknown."""
    by_method: dict[str, list[AuthResult]] = {}
    for result in results:
        by_method.setdefault(result.method, []).append(result)
    dmarc = [r.result for r in by_method.get("dmarc", [])]
    spf = [r.result for r in by_method.get("spf", [])]
    aligned_dkim = any(
        r.result == "pass" and _aligned(_dkim_domain(r), from_domain)
        for r in by_method.get("dkim", [])
    )
    if "fail" in dmarc:
        return SenderCheck(SenderProof.NOT_PROVEN, ("dmarc=fail",))
    if "fail" in spf and not aligned_dkim:
        return SenderCheck(SenderProof.NOT_PROVEN, ("spf=fail", "no aligned dkim=pass"))
    aligned_spf = any(
        r.result == "pass" and _aligned(_spf_domain(r), from_domain)
        for r in by_method.get("spf", [])
    )
    if "pass" in dmarc or aligned_dkim or aligned_spf:
        return SenderCheck(SenderProof.PROVEN)
    return SenderCheck(SenderProof.UNKNOWN, ("no result vouches for the From domain",))


def parse_header(value: str) -> tuple[str, list[AuthResult]]:
    """(authserv-id, results) of one Authentication-Results value. Comments are removed
    first: `spf=fail (... dmarc=pass ...)` must not read as a pass. The id is '' when
    the header has none (Exchange Online)."""
    text = strip_comments(one_line(value))
    first, _sep, rest = text.partition(";")
    head = first.split()[0] if first.strip() else ""
    if "=" in head:  # no authserv-id: the first statement is already a result
        server, statements = "", [first, *rest.split(";")]
    else:  # the id, then an optional version number
        server, statements = head.lower(), rest.split(";")
    return server, [r for r in (_result(s) for s in statements) if r is not None]


def _result(statement: str) -> AuthResult | None:
    tokens = _TOKEN.findall(statement)
    if not tokens:
        return None
    method, result = tokens[0]
    if method.lower() == "reason":  # a reason belongs to the previous result; ignore it
        return None
    properties = {name.lower(): raw.strip('"').lower() for name, raw in tokens[1:]}
    return AuthResult(method.lower(), result.strip('"').lower(), properties)


def strip_comments(text: str) -> str:
    """text without its (nested) comments, quoted strings kept as they are."""
    out, depth, quoted, escaped = [], 0, False, False
    for ch in text:
        if escaped:
            escaped = False
            if depth == 0:
                out.append(ch)
            continue
        if ch == "\\":
            escaped = True
            if depth == 0:
                out.append(ch)
            continue
        if quoted:
            out.append(ch)
            quoted = ch != '"'
            continue
        if ch == "(":
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
        elif depth == 0:
            out.append(ch)
            quoted = ch == '"'
    return "".join(out)


def _dkim_domain(result: AuthResult) -> str:
    props = result.properties
    return props.get("header.d") or props.get("header.i", "").rpartition("@")[2]


def _spf_domain(result: AuthResult) -> str:
    props = result.properties
    return (props.get("smtp.mailfrom") or props.get("smtp.helo", "")).rpartition("@")[2]


def _aligned(domain: str, from_domain: str) -> bool:
    """Relaxed alignment (RFC 7489), approximated without a public-suffix list: the same
    domain, or one a subdomain of the other."""
    domain = domain.strip(".").lower()
    if not domain or not from_domain:
        return False
    return (
        domain == from_domain
        or from_domain.endswith("." + domain)
        or domain.endswith("." + from_domain)
    )
