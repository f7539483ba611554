"""Reference records attached to dispatches: the official pages (docs/form.md,
"Official pages and the .vn rule")."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from mailin.text import fold, nfc
from mailin.urls import normalize_url
from portal.extensions import db


class OfficialPage(db.Model):
    """A page run by the Central or Provincial Youth Union, not by a unit."""

    __tablename__ = "official_page"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(500))
    name_folded: Mapped[str] = mapped_column(String(500), index=True, default="")
    url: Mapped[str] = mapped_column(String(2000))
    url_normalized: Mapped[str] = mapped_column(String(2000), index=True, default="")
    owner: Mapped[str] = mapped_column(String(255), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    dispatch_id: Mapped[int | None] = mapped_column(ForeignKey("dispatch.id", ondelete="SET NULL"))

    dispatch = relationship("Dispatch")

    @validates("name")
    def _keep_folded_name(self, key: str, value: str) -> str:
        value = nfc(value or "").strip()
        self.name_folded = fold(value)
        return value

    @validates("url")
    def _keep_normalized_url(self, key: str, value: str) -> str:
        value = (value or "").strip()
        self.url_normalized = normalize_url(value)
        return value

    def __str__(self) -> str:
        return self.name
