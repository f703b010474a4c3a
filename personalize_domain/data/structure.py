"""Byte- and line-level checks that polars cannot report: header, UTF-8 and field counts.

These run on the raw file. The header check reads only the first line. The UTF-8 and field-count
scans read the whole file, so they run only when the polars pass has seen something wrong (for
the field count: also when a row's last column is empty, which is what a short row looks like).
"""

from __future__ import annotations

import codecs
import csv
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from personalize_domain.data.report import MAX_EXAMPLES_PER_RULE

_CHUNK_BYTES = 1 << 22
_HEADER_MAX_BYTES = 1 << 20


@dataclass(frozen=True)
class Header:
    names: tuple[str, ...]
    raw: str
    quoted: tuple[str, ...]
    has_bom: bool
    invalid_utf8: bool
    # Bytes of the header line including its line ending, so callers know where data starts.
    length: int


@dataclass(frozen=True)
class Example:
    line: int
    value: str
    detail: str = ""


@dataclass
class Tally:
    count: int = 0
    examples: list[Example] = field(default_factory=list)

    def add(self, example: Example) -> None:
        self.count += 1
        if len(self.examples) < MAX_EXAMPLES_PER_RULE:
            self.examples.append(example)


def read_header(path: Path) -> Header:
    with path.open("rb") as f:
        head = f.read(_HEADER_MAX_BYTES)
    return parse_header(head)


def parse_header(head: bytes) -> Header:
    """The header of a file that starts with `head` (its first bytes, e.g. an S3 range GET)."""
    end = head.find(b"\n")
    line = head if end < 0 else head[: end + 1]
    has_bom = line.startswith(codecs.BOM_UTF8)
    body = line[len(codecs.BOM_UTF8) :] if has_bom else line
    try:
        text = body.decode("utf-8")
        invalid = False
    except UnicodeDecodeError:
        text = body.decode("utf-8", errors="replace")
        invalid = True
    text = text.rstrip("\r\n")
    try:
        names = tuple(next(csv.reader([text]), []))
    except csv.Error:
        # A stray carriage return or the like: the names are wrong either way, and the header
        # check reports them; a plain split is enough to show what is there.
        names = tuple(text.split(","))
    quoted = tuple(n for n in names if f'"{n}"' in text)
    return Header(names, text, quoted, has_bom, invalid, len(line))


def has_data_after_header(path: Path, header: Header) -> bool:
    """True if anything but whitespace follows the header line."""
    with path.open("rb") as f:
        f.seek(header.length)
        while chunk := f.read(1 << 16):
            if chunk.strip():
                return True
    return False


@dataclass
class Utf8Scan:
    tally: Tally = field(default_factory=Tally)
    looks_like_cp1252: bool = False


def find_invalid_utf8(path: Path) -> Utf8Scan:
    """Locate byte sequences that are not UTF-8, with their 1-based line numbers."""
    scan = Utf8Scan()
    line = 1
    carry = b""
    cp1252_hits = 0
    with path.open("rb") as f:
        while True:
            chunk = f.read(_CHUNK_BYTES)
            final = not chunk
            buf = carry + chunk
            if not final:
                cut = _incomplete_tail(buf)
                buf, carry = buf[:cut], buf[cut:]
            for start, end in _bad_spans(buf):
                bad = buf[start:end]
                if len(scan.tally.examples) < MAX_EXAMPLES_PER_RULE:
                    line_start = buf.rfind(b"\n", 0, start) + 1
                    line_end = buf.find(b"\n", end)
                    context = buf[line_start : len(buf) if line_end < 0 else line_end]
                    scan.tally.examples.append(
                        Example(
                            line=line + buf.count(b"\n", 0, start),
                            value=context.decode("utf-8", errors="replace").rstrip("\r"),
                            detail=" ".join(f"0x{b:02X}" for b in bad),
                        )
                    )
                scan.tally.count += 1
                if len(bad) == 1 and _is_cp1252_letter(bad):
                    cp1252_hits += 1
            line += buf.count(b"\n")
            if final:
                break
    scan.looks_like_cp1252 = scan.tally.count > 0 and cp1252_hits * 2 >= scan.tally.count
    return scan


def _bad_spans(buf: bytes) -> Iterator[tuple[int, int]]:
    pos = 0
    while pos < len(buf):
        try:
            # memoryview slicing does not copy, so a file full of bad bytes stays linear.
            codecs.utf_8_decode(memoryview(buf)[pos:], "strict", True)
            return
        except UnicodeDecodeError as exc:
            yield pos + exc.start, pos + exc.end
            pos += exc.end


def _incomplete_tail(buf: bytes) -> int:
    """Index where a multi-byte sequence cut by the chunk boundary starts (len(buf) if none)."""
    for back in range(1, min(4, len(buf)) + 1):
        byte = buf[-back]
        if byte & 0xC0 == 0x80:
            continue
        need = 2 if byte & 0xE0 == 0xC0 else 3 if byte & 0xF0 == 0xE0 else 4
        if byte & 0x80 and need > back:
            return len(buf) - back
        return len(buf)
    return len(buf)


def _is_cp1252_letter(bad: bytes) -> bool:
    try:
        return bad.decode("cp1252").isalpha()
    except UnicodeDecodeError:
        return False


@dataclass
class FieldCountScan:
    """Records whose field count differs from the header's, found with the stdlib csv parser."""

    ragged: Tally = field(default_factory=Tally)
    blank: Tally = field(default_factory=Tally)
    # Set when the csv module itself gave up (e.g. a quote that never closes).
    parse_error: Example | None = None


def count_fields(path: Path, expected: int) -> FieldCountScan:
    scan = FieldCountScan()
    csv.field_size_limit(sys.maxsize)
    with path.open(newline="", encoding="utf-8", errors="replace") as f:
        reader = csv.reader(f)
        prev_end = 0
        try:
            for record in reader:
                start, prev_end = prev_end + 1, reader.line_num
                if start == 1:
                    continue
                if not record:
                    scan.blank.add(Example(start, ""))
                elif len(record) != expected:
                    scan.ragged.add(Example(start, ",".join(record), str(len(record))))
        except csv.Error as exc:
            scan.parse_error = Example(prev_end + 1, "", str(exc))
    return scan


# A quote with a non-separator on both sides: x"y. Doubled quotes inside a quoted value ("")
# and quotes that open or close a value never match.
_STRAY_QUOTE = re.compile(r'[^,"\r\n]"[^,"\r\n]')


def find_stray_quote(path: Path) -> Example | None:
    """First line with a quote in the middle of a value, which no CSV parser reads reliably."""
    with path.open(encoding="utf-8", errors="replace", newline="") as f:
        for number, line in enumerate(f, start=1):
            match = _STRAY_QUOTE.search(line)
            if match is not None and number > 1:
                return Example(number, line.rstrip("\r\n"), match.group())
    return None
