"""Content coding: whether the client takes gzip, and gzip bodies joined from kept parts.

Browsers and calendar clients ask for gzip. A kept admin page (``web/pages/kept.py``) is the same bytes for
every reader but its CSRF token: ``GzipParts`` deflates the shared parts once and puts the reader's token
between them on each request, so a 200 KB results page goes out as ≈ 20 KB without being compressed again.
"""
from __future__ import annotations

import struct
import zlib

from flask import request

# RFC 1952: gzip magic, deflate, no flags, no modification time, no extra flags, unknown OS.
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"


def gzip_accepted() -> bool:
    return "gzip" in request.headers.get("Accept-Encoding", "") and request.accept_encodings.quality("gzip") > 0


def _deflated(data: bytes, level: int, last: bool) -> bytes:
    """Raw deflate blocks of ``data`` alone (no window shared with anything else), ending on a byte
    boundary (a full flush) unless it is the stream's last piece."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush(zlib.Z_FINISH if last else zlib.Z_FULL_FLUSH)


class GzipParts:
    """``filler.join(parts)``, gzip-coded, for any ``filler``, without compressing the parts again.

    Each part is deflated on its own and ends on a byte boundary, so the parts' blocks and the filler's
    can follow one another in one deflate stream (as parallel gzip tools join theirs). The filler is
    stored, never compressed with the page: the body's size does not depend on the token, so nothing
    can be learnt of a token from the sizes of the pages that carry it.
    """

    def __init__(self, parts: list[bytes], level: int = 6):
        self._parts = parts
        self._deflated = [_deflated(part, level, last=n == len(parts) - 1) for n, part in enumerate(parts)]
        self._length = sum(map(len, parts))

    def join(self, filler: bytes) -> bytes:
        crc = zlib.crc32(self._parts[0])
        for part in self._parts[1:]:
            crc = zlib.crc32(part, zlib.crc32(filler, crc))
        size = self._length + len(filler) * (len(self._parts) - 1)
        body = _deflated(filler, 0, last=False).join(self._deflated)
        return b"".join((_GZIP_HEADER, body, struct.pack("<II", crc, size & 0xFFFFFFFF)))
