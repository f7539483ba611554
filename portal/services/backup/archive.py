"""The .tar.gz form of a backup: packing a finished backup folder into one, and unpacking
one (only the members a backup has) to read it."""

from __future__ import annotations

import contextlib
import os
import shutil
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from portal.services.backup.errors import BackupDamaged, BackupError
from portal.services.backup.manifest import ALLOWED_MEMBERS, CHUNK, MANIFEST

ARCHIVE_SUFFIXES = (".tar.gz", ".tgz")


def is_archive(path: Path) -> bool:
    return path.name.endswith(ARCHIVE_SUFFIXES)


def publish_archive(staging: Path, dest: Path) -> None:
    """Pack the staging folder into a hidden file beside dest, then link it into place
    (link(2) fails rather than replace a file that appeared meanwhile)."""
    fd, partial = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            with tarfile.open(fileobj=handle, mode="w:gz", compresslevel=6) as archive:
                # The manifest first: `tar -xzOf backup.tar.gz manifest.json` reads it quickly.
                for name in [MANIFEST, *sorted(ALLOWED_MEMBERS - {MANIFEST})]:
                    if (staging / name).exists():
                        archive.add(staging / name, arcname=name, filter=_private_member)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(partial, dest)
    except FileExistsError as exc:
        raise BackupError(f"{dest} appeared while the backup was written: kept it.") from exc
    finally:
        os.unlink(partial)


def _private_member(member: tarfile.TarInfo) -> tarfile.TarInfo:
    member.mode = 0o600
    member.uid = member.gid = 0
    member.uname = member.gname = ""
    return member


@contextlib.contextmanager
def opened(source: Path) -> Iterator[Path]:
    """The backup's files as a folder: the directory itself, or an archive unpacked into a
    private temporary folder (only the members a backup has, never a path outside it)."""
    if source.is_dir():
        yield source
        return
    if not source.is_file():
        raise BackupError(f"There is no backup at {source}.")
    with tempfile.TemporaryDirectory(prefix="portal-backup-") as work:
        try:
            _unpack(source, Path(work))
        except OSError as exc:
            if exc.errno is None:  # gzip's own errors (a bad CRC, not gzip at all)
                raise BackupDamaged(f"{source} is not a readable backup archive: {exc}") from exc
            raise BackupError(
                f"{source} could not be unpacked into {work}: {exc} (TMPDIR chooses the folder)."
            ) from exc
        except (tarfile.TarError, EOFError, zlib.error) as exc:
            raise BackupDamaged(f"{source} is not a readable backup archive: {exc}") from exc
        yield Path(work)


def _unpack(source: Path, folder: Path) -> None:
    with tarfile.open(source, mode="r:*") as archive:
        _unpack_members(archive, source, folder)
        # tarfile takes a damaged header after the first for the end of the archive: read
        # the stream to its end, so that gzip checks its CRC and length and says so.
        while archive.fileobj.read(CHUNK):
            pass


def _unpack_members(archive: tarfile.TarFile, source: Path, folder: Path) -> None:
    for member in archive:
        if member.isdir() and member.name == "instance":
            continue
        if not member.isfile() or member.name not in ALLOWED_MEMBERS:
            raise BackupDamaged(f"{source} holds {member.name!r}, which no backup has.")
        out = folder / member.name
        out.parent.mkdir(mode=0o700, exist_ok=True)
        with archive.extractfile(member) as data:
            fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                shutil.copyfileobj(data, handle, CHUNK)
