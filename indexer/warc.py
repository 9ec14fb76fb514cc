"""Web archives (WARC, ``.warc.gz``, WACZ) as a build reads them, through ``warcio``.

Two passes, like a CDX index and a replay. ``scan`` (discovery, in the building process) walks
every record once, keeping only its headers: where it starts and how long it is, its address,
crawl time, HTTP status, media type and payload digest; the payload is streamed past, never held.
Pages and documents become one ``Capture`` each; everything else (requests, metadata, revisits,
redirects, other statuses, ``robots.txt``, images and scripts) is counted by kind. A damaged
stretch (a truncated file, a corrupt gzip member, a record whose declared length lies) is reported
with its offset and the scan resumes at the next record it can find. ``read_payload`` (in a worker)
then reads one record by its offset and length: a gzip member or a plain record, alone.

A WACZ is a zip of WARCs under ``archive/``; a WARC stored in it uncompressed (as the format
asks) is read by offsets into the zip file itself, a compressed one through ``zipfile``.
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator

from .mirrors import url_key

ARCHIVE_SUFFIXES = (".warc", ".warc.gz", ".wacz")
# Media types of what a build reads; anything else in a crawl is an asset.
_MEDIA_TYPES = {
    "text/html": "html", "application/xhtml+xml": "html",
    "application/pdf": "pdf", "application/x-pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/msword": "doc", "application/vnd.ms-word": "doc",
    "application/vnd.oasis.opendocument.text": "odt",
}
DOCUMENT_SUFFIXES = {".pdf": "pdf", ".docx": "docx", ".doc": "doc", ".odt": "odt"}
_DOCUMENT_NAME = re.compile(r"\.(pdf|docx|doc|odt)(?:$|[?&])", re.I)
_GZIP_MAGIC = b"\x1f\x8b\x08"
_WARC_START = re.compile(rb"(?:^|\n)WARC/1\.[01]\r?\n")
MAX_RESYNCS = 1000  # a file that is damaged throughout is given up on after this many


@dataclass(frozen=True)
class Capture:
    """One page or document record of a WARC, as the scan found it."""

    url: str
    key: str  # ``mirrors.url_key``: the same page in every crawl
    time: str  # WARC-Date, ``YYYY-MM-DDTHH:MM:SSZ``
    media: str  # html, pdf, docx, doc, odt
    digest: str  # the payload's digest (WARC-Payload-Digest, or computed)
    offset: int
    length: int
    payload: int  # declared payload bytes (HTTP body)


@dataclass
class Scan:
    """What one archive file holds: its captures, the other records counted by kind, and the
    damaged stretches with their reasons."""

    captures: list[Capture] = field(default_factory=list)
    revisits: list[tuple[str, str, str]] = field(default_factory=list)  # (key, time, digest)
    counts: Counter = field(default_factory=Counter)
    damage: list[tuple[int, str]] = field(default_factory=list)  # (offset, reason)
    member: str = ""  # a WACZ's WARC read through zipfile (compressed): its name


def is_archive(name: str) -> bool:
    return name.lower().endswith(ARCHIVE_SUFFIXES)


def media_of(url: str, content_type: str) -> str | None:
    """What a response holds: html, pdf, docx, doc, odt; None for anything a build does not read."""
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime in _MEDIA_TYPES:
        return _MEDIA_TYPES[mime]
    if mime not in ("", "application/octet-stream", "binary/octet-stream", "application/download",
                    "application/force-download"):
        return None
    named = _DOCUMENT_NAME.search(url.split("#", 1)[0])  # "qd.pdf", "tai-ve?file=qd.pdf"
    return DOCUMENT_SUFFIXES.get("." + named.group(1).lower()) if named else None


def _iso(warc_date: str) -> str:
    return (warc_date or "")[:19] + "Z" if warc_date else ""


# ---------------------------------------------------------------- the scan


class _Window(io.RawIOBase):
    """Part of a file, from ``start`` to ``end``, at the file's own offsets (``tell``)."""

    def __init__(self, fh: BinaryIO, start: int, end: int):
        self.fh, self.end = fh, end
        fh.seek(start)

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        left = self.end - self.fh.tell()
        if left <= 0:
            return b""
        return self.fh.read(left if n is None or n < 0 else min(n, left))

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def tell(self) -> int:
        return self.fh.tell()


def scan(path: Path) -> list[Scan]:
    """Every record of a WARC file, or of each WARC inside a WACZ, by offset (see the module's
    docstring). Raises ``OSError`` when the file cannot be opened; damage inside is reported."""
    if path.name.lower().endswith(".wacz"):
        return _scan_wacz(path)
    size = path.stat().st_size
    with open(path, "rb") as fh:
        return [_scan_stream(fh, 0, size)]


def _scan_wacz(path: Path) -> list[Scan]:
    out = []
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as err:
        bad = Scan()
        bad.damage.append((0, f"not a readable WACZ (zip): {err}"))
        return [bad]
    with archive, open(path, "rb") as raw:
        for info in archive.infolist():
            if not (info.filename.startswith("archive/") and info.filename.lower().endswith((".warc", ".warc.gz"))):
                continue
            if info.compress_type == zipfile.ZIP_STORED:
                start = data_offset(raw, info)
                found = _scan_stream(raw, start, start + info.file_size)
            else:  # deflated: offsets within the member, read through zipfile
                with archive.open(info) as member:
                    found = _scan_stream(member, 0, info.file_size, seekable=False)
                found.member = info.filename
            out.append(found)
    return out


def data_offset(raw: BinaryIO, info: zipfile.ZipInfo) -> int:
    """Where a stored zip member's bytes start in the zip file (after its local header)."""
    raw.seek(info.header_offset)
    header = raw.read(30)
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"bad local header for {info.filename}")
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    return info.header_offset + 30 + name_len + extra_len


def _scan_stream(fh: BinaryIO, start: int, end: int, seekable: bool = True) -> Scan:
    found = Scan()
    position = start
    gzipped = True
    if seekable:  # a damaged stretch is searched for the next member, or the next plain record
        fh.seek(start)
        gzipped = fh.read(2) == _GZIP_MAGIC[:2]
    for _ in range(MAX_RESYNCS):
        stream = _Window(fh, position, end) if seekable else fh
        stopped = _scan_from(stream, found)
        if stopped is None:
            return found
        at, reason = stopped
        found.damage.append((at, reason))
        if not seekable:
            return found  # a compressed member cannot be searched for the next record
        position = _next_record_start(fh, at + 1, end, gzipped)
        if position is None:
            return found
    found.damage.append((position, "too many damaged stretches: the rest of the file is not read"))
    return found


def _scan_from(stream: BinaryIO, found: Scan) -> tuple[int, str] | None:
    """Read records until the end (None) or the first damage: ``(offset, reason)``."""
    iterator = ArchiveIterator(stream, no_record_parse=False, arc2warc=False)
    at = stream.tell()
    try:
        for record in iterator:
            at = iterator.offset
            if record.format != "warc":  # warcio reads ARC too; anything else here is not a crawl record
                return at, f"not a WARC record ({record.format or 'unknown format'})"
            errors = iterator.err_count
            capture = _capture(record, found)
            rest = _drain(record)  # declared bytes that were not there
            offset, length = iterator.get_record_offset(), iterator.get_record_length()
            if rest:
                found.damage.append((offset, f"record shorter than its declared length by {rest} bytes "
                                             "(a truncated file or a length that lies): skipped"))
                found.counts["damaged"] += 1
                continue
            if iterator.err_count > errors:
                found.damage.append((offset, "record longer than its declared length (a length that lies): skipped"))
                found.counts["damaged"] += 1
                continue
            if capture is not None:
                found.captures.append(Capture(capture.url, capture.key, capture.time, capture.media,
                                              capture.digest, offset, length, capture.payload))
    except Exception as err:  # warcio, zlib, EOF: this stretch is damaged; the caller resumes
        return at, f"unreadable record: {type(err).__name__}: {str(err).strip()[:160]}"
    return None


def _drain(record) -> int:  # type: ignore[no-untyped-def]
    """Read the rest of a record's block; the bytes its Content-Length declared but the file
    did not hold."""
    stream = record.raw_stream
    while stream.read(1 << 16):
        pass
    return getattr(stream, "limit", 0) or 0


def _capture(record, found: Scan) -> Capture | None:  # type: ignore[no-untyped-def]
    """A page or document record as a ``Capture`` (offsets filled in later); every other record
    counted by why it is not one."""
    kind = record.rec_type
    headers = record.rec_headers
    url = headers.get_header("WARC-Target-URI") or ""
    if kind not in ("response", "resource", "revisit"):
        found.counts[kind or "unknown"] += 1
        return None
    if not url.lower().startswith(("http://", "https://")):
        found.counts["not a web address"] += 1
        return None
    key = url_key(url)
    when = _iso(headers.get_header("WARC-Date") or "")
    if kind == "revisit":
        found.counts["revisit"] += 1
        found.revisits.append((key, when, headers.get_header("WARC-Payload-Digest") or ""))
        return None
    status = 200
    content_type = ""
    if record.http_headers is not None and kind == "response":
        try:
            status = int(record.http_headers.get_statuscode() or 0)
        except ValueError:
            status = 0
        content_type = record.http_headers.get_header("Content-Type") or ""
    else:
        content_type = headers.get_header("Content-Type") or ""
    if 300 <= status < 400:
        found.counts["redirect"] += 1
        return None
    if status != 200:
        found.counts[f"HTTP {status}"] += 1
        return None
    if key.split("?", 1)[0].endswith("/robots.txt"):
        found.counts["robots.txt"] += 1
        return None
    media = media_of(url, content_type)
    if media is None:
        found.counts["asset"] += 1
        return None
    digest = headers.get_header("WARC-Payload-Digest") or ""
    if not digest:  # not every crawler writes one: the payload's own, as it streams past
        hasher = hashlib.sha1()
        stream = record.raw_stream
        while chunk := stream.read(1 << 16):
            hasher.update(chunk)
        digest = "sha1-computed:" + hasher.hexdigest()
    found.counts["page" if media == "html" else "document"] += 1
    payload = int(headers.get_header("Content-Length") or 0)
    return Capture(url, key, when, media, digest, -1, 0, payload)


def _next_record_start(fh: BinaryIO, position: int, end: int, gzipped: bool) -> int | None:
    """The next place after ``position`` where a gzip member (``gzipped``) or a plain WARC record begins."""
    chunk_size = 1 << 20
    while position < end:
        fh.seek(position)
        chunk = fh.read(min(chunk_size + 16, end - position))
        if not chunk:
            return None
        found = [i for i in (chunk.find(_GZIP_MAGIC),) if i >= 0] if gzipped else []
        match = None if gzipped else _WARC_START.search(chunk)
        if match:
            found.append(match.start() + (1 if chunk[match.start():match.start() + 1] == b"\n" else 0))
        if found:
            return position + min(found)
        position += chunk_size
    return None


# ---------------------------------------------------------------- reading one record


class RecordError(Exception):
    """A record that cannot be read where the scan found it; ``str(err)`` is the reason."""


def read_payload(path: str, offset: int, length: int, member: str = "", limit: int = 1 << 30) -> bytes:
    """The HTTP body of the record at ``offset`` (``length`` bytes) in the archive ``path``
    (inside the zip member ``member`` when given), decoded from chunked transfer and gzip
    content encoding; at most ``limit`` + 1 bytes, so that a caller can tell it was cut."""
    try:
        if member:
            with zipfile.ZipFile(path) as archive, archive.open(member) as fh:
                fh.seek(offset)
                data = fh.read(length)
        else:
            with open(path, "rb") as fh:
                fh.seek(offset)
                data = fh.read(length)
    except (OSError, zipfile.BadZipFile, KeyError) as err:
        raise RecordError(f"unreadable archive: {err}") from err
    if len(data) < length:
        raise RecordError(f"archive ends inside the record (offset {offset})")
    try:
        record = next(iter(ArchiveIterator(io.BytesIO(data), arc2warc=False)))
        payload = record.content_stream().read(limit + 1)
    except StopIteration:
        raise RecordError(f"no record at offset {offset}") from None
    except Exception as err:
        raise RecordError(f"unreadable record at offset {offset}: {type(err).__name__}: {err}"[:200]) from err
    return payload
