"""How every text file Hub Atlas reads is decoded: one rule, never a silent replacement.

Federal files come in two encodings: UTF-8 (BLS QCEW, Census API answers, USAspending) and
Windows-1252 (Census list1 saved as CSV: 'Doña Ana County' is the byte 0xF1). So:
1. a UTF-16/UTF-32 file (a byte-order mark, or NUL bytes between letters: Excel's
   "Unicode text") is refused with one sentence saying how to save it;
2. strict UTF-8 (a UTF-8 byte-order mark dropped);
3. else strict Windows-1252 (cp1252), which callers may note;
4. else a SchemaError naming the first byte that fits neither.
decode_text applies the rule to bytes in memory, file_encoding to a file on disk in blocks (a
big import never holds the file to learn its encoding). JSON goes through load_json, so a
file nested too deeply to parse is one sentence too.
errors="replace" is never used: a U+FFFD in a stored county name would override the correct
name everywhere the delineation names regions.
"""

from __future__ import annotations

import codecs
import json
from pathlib import Path

from hubdata.errors import SchemaError

UTF8, CP1252 = "utf-8", "cp1252"
_WIDE_BOMS = {codecs.BOM_UTF32_LE: "UTF-32", codecs.BOM_UTF32_BE: "UTF-32",
              codecs.BOM_UTF16_LE: "UTF-16", codecs.BOM_UTF16_BE: "UTF-16"}


def wide_encoding(raw: bytes) -> str | None:
    """'UTF-16' or 'UTF-32' when the bytes are in one of them (by byte-order mark, or by the
    NUL bytes every other byte of ASCII text has without one); else None."""
    for bom, name in _WIDE_BOMS.items():  # UTF-32 LE starts with the UTF-16 LE mark: first
        if raw.startswith(bom):
            return name
    head = raw[:4096]
    if len(head) >= 4 and head.count(0) * 4 >= len(head):
        return "UTF-16"
    return None


def decode_text(raw: bytes | str, *, what: str = "file") -> tuple[str, str]:
    """(text, encoding) of a text file's bytes by the rule above; SchemaError otherwise."""
    if isinstance(raw, str):
        return raw, UTF8
    _refuse_wide(raw, what)
    try:
        text, encoding = raw.decode("utf-8-sig"), UTF8
    except UnicodeDecodeError:
        try:
            text, encoding = raw.decode(CP1252), CP1252
        except UnicodeDecodeError as exc:
            raise _neither(raw[exc.start], exc.start, what) from None
    if "\x00" in text:
        raise _not_text(what)
    return text, encoding


def file_encoding(path: str | Path, *, what: str = "file", block_bytes: int = 1 << 20) -> str:
    """The encoding of a text file on disk by the rule above, read in blocks (memory does not
    grow with the file): UTF8 if the whole file is strict UTF-8, else CP1252 if it is all
    Windows-1252; SchemaError otherwise. Its text is then decodable block by block (a cut
    after a newline byte never splits a character in either)."""
    with open(path, "rb") as handle:
        _refuse_wide(handle.read(4096), what)
        encoding, (nul, bad) = UTF8, _scan(handle, UTF8, block_bytes)
        if bad is not None:
            encoding, (nul, bad) = CP1252, _scan(handle, CP1252, block_bytes)
    if bad is not None:
        raise _neither(*bad, what)
    if nul:
        raise _not_text(what)
    return encoding


def _scan(handle, encoding: str, block_bytes: int) -> tuple[bool, tuple[int, int] | None]:
    """Whether the file holds a NUL byte, and (byte, offset) of the first byte `encoding`
    cannot decode, or None (an offset exact for cp1252, one byte a character)."""
    handle.seek(0)
    decoder, offset, nul = codecs.getincrementaldecoder(encoding)(), 0, False
    try:
        while block := handle.read(block_bytes):
            decoder.decode(block)
            nul = nul or b"\x00" in block
            offset += len(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        return nul, (block[exc.start] if exc.start < len(block) else 0, offset + exc.start)
    return nul, None


def _refuse_wide(head: bytes, what: str) -> None:
    wide = wide_encoding(head)
    if wide:
        raise SchemaError(f"The {what} is in the wrong encoding ({wide}); save it as UTF-8 "
                          "or CSV and import it again.")


def _neither(byte: int, offset: int, what: str) -> SchemaError:
    return SchemaError(f"The {what} is neither UTF-8 nor Windows-1252 text (byte "
                       f"0x{byte:02X} at offset {offset:,}); save it as UTF-8 and import it "
                       "again.")


def _not_text(what: str) -> SchemaError:
    return SchemaError(f"The {what} is not a text file (it holds NUL bytes).")


def decode(raw: bytes | str, *, what: str = "file") -> str:
    """The text of a file's bytes (decode_text without the encoding)."""
    return decode_text(raw, what=what)[0]


def load_json(text: str, *, what: str = "file"):
    """json.loads, with JSON nested deeper than Python can parse (json.loads raises
    RecursionError, which no caller expects) as one SchemaError; JSONDecodeError unchanged."""
    try:
        return json.loads(text)
    except RecursionError:
        raise SchemaError(f"The {what} is JSON nested too deeply to be a data file.") from None
