"""How every text file Hub Atlas reads is decoded: one rule, never a silent replacement.

Federal files come in two encodings: UTF-8 (BLS QCEW, Census API answers, USAspending) and
Windows-1252 (Census list1 saved as CSV: 'Doña Ana County' is the byte 0xF1). So:
1. a UTF-16/UTF-32 file (a byte-order mark, or NUL bytes between letters: Excel's
   "Unicode text") is refused with one sentence saying how to save it;
2. strict UTF-8 (a UTF-8 byte-order mark dropped);
3. else strict Windows-1252 (cp1252), which callers may note;
4. else a SchemaError naming the first byte that fits neither.
JSON goes through load_json, so a file nested too deeply to parse is one sentence too.
errors="replace" is never used: a U+FFFD in a stored county name would override the correct
name everywhere the delineation names regions.
"""

from __future__ import annotations

import codecs
import json

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
    wide = wide_encoding(raw)
    if wide:
        raise SchemaError(f"The {what} is in the wrong encoding ({wide}); save it as UTF-8 "
                          "or CSV and import it again.")
    try:
        text, encoding = raw.decode("utf-8-sig"), UTF8
    except UnicodeDecodeError:
        try:
            text, encoding = raw.decode(CP1252), CP1252
        except UnicodeDecodeError as exc:
            raise SchemaError(f"The {what} is neither UTF-8 nor Windows-1252 text (byte "
                              f"0x{raw[exc.start]:02X} at offset {exc.start:,}); save it as "
                              "UTF-8 and import it again.") from None
    if "\x00" in text:
        raise SchemaError(f"The {what} is not a text file (it holds NUL bytes).")
    return text, encoding


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
