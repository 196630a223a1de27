"""A PNG encoder for the sample repositories' small images, with no zlib compression: the image data
sits in stored (uncompressed) deflate blocks, because zlib's compressor gives different bytes from one
zlib build to another and the sample bundles must be the same everywhere."""
from __future__ import annotations

import struct
import zlib


def png(pixels: list[list[tuple[int, int, int]]]) -> bytes:
    """An RGB PNG whose image data sits in stored (uncompressed) deflate blocks: same bytes everywhere."""
    height, width = len(pixels), len(pixels[0])
    raw = b"".join(b"\x00" + bytes(c for px in row for c in px) for row in pixels)
    assert len(raw) <= 0xFFFF
    stream = (b"\x78\x01" + b"\x01" + struct.pack("<HH", len(raw), len(raw) ^ 0xFFFF) + raw
              + struct.pack(">I", zlib.adler32(raw)))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", stream) + chunk(b"IEND", b"")

