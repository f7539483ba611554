"""The texts a unit or the upstream body reads, rendered from templates in `templates/`.

Staff adapt the wording there (each template's top comment says what it is for and which
variables it gets); the program keeps the figures, the dates and the layout (which cell,
bold, centred). Texts shown to staff in the admin stay in the translation catalogs.
"""

from __future__ import annotations

from flask import current_app, render_template
from jinja2 import TemplateNotFound

from mailin.headers import one_line


def render_text(name: str, **context) -> str:
    """A message body: the template rendered as written (its last newline dropped)."""
    return render_template(name, **context)


def render_optional(name: str, **context) -> str:
    """A text whose template staff may remove (an email's HTML part): '' when there is none."""
    try:
        return render_template(name, **context)
    except TemplateNotFound:
        return ""


def render_line(name: str, **context) -> str:
    """A subject or a file name: on one line (CR, LF and control characters become spaces:
    no header injection), runs of spaces made one, none at either end."""
    return one_line(render_template(name, **context))


def render_block(name: str, block: str, **context) -> str:
    """One named block of a document template (`{% block name %}...{% endblock %}`): the
    cover letter and the workbook keep each of their texts in a block of one template."""
    template = current_app.jinja_env.get_template(name)
    current_app.update_template_context(context)
    return "".join(template.blocks[block](template.new_context(context)))


def block_line(name: str, block: str, **context) -> str:
    """A block as one line: its non-blank lines joined by a space. The spaces inside a line
    are kept ("Số:      -BC/..." leaves room for the number written by hand)."""
    lines = render_block(name, block, **context).splitlines()
    return " ".join(line.rstrip() for line in lines if line.strip())


def block_lines(name: str, block: str, **context) -> list[str]:
    """A block's non-blank lines, trimmed: the letter's paragraphs, one a line."""
    lines = render_block(name, block, **context).splitlines()
    return [line.strip() for line in lines if line.strip()]
