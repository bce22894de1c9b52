"""File formats an HR list arrives in. Each reader turns bytes into a header and rows of text.

A reader is a plugin: a class with ``name``, ``sniff(data)`` and ``read(data)``, listed in
READERS. Errors are :class:`ImportFileError` with a message a clerk can act on.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _


class ImportFileError(Exception):
    """The file as a whole cannot be read (nothing is imported)."""


@dataclass
class Table:
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (line or row number as the clerk sees it, cells)
    formulas: list[tuple[int, int, str]]  # (row number, column index, formula) — XLSX only


class CsvReader:
    name = "csv"

    def sniff(self, data: bytes) -> bool:
        return not data.startswith(b"PK\x03\x04")

    def decode(self, data: bytes, encoding: str | None) -> str:
        if encoding:
            try:
                return data.decode(encoding)
            except (LookupError, UnicodeDecodeError) as exc:
                raise ImportFileError(
                    _("The file cannot be read as %(enc)s: %(err)s")
                    % {"enc": encoding, "err": exc}
                )
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return data.decode("utf-16")
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise ImportFileError(
                _(
                    "The file is not in UTF-8: line %(line)s has a byte (0x%(byte)02X) that UTF-8 does not "
                    "allow. In Excel choose “Save as → CSV UTF-8”, or name the encoding (for example "
                    "--encoding cp1252)."
                )
                % {"line": line, "byte": data[exc.start]}
            )

    def read(self, data: bytes, encoding: str | None = None) -> Table:
        text = self.decode(data, encoding)
        if "\x00" in text:
            raise ImportFileError(_("The file contains NUL bytes; it is not a text (CSV) file."))
        first_line = text.split("\n", 1)[0]
        delimiter = max([",", ";", "\t"], key=first_line.count)
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        try:
            header = next(reader, None)
            if header is None:
                raise ImportFileError(_("The file is empty."))
            rows = []
            # Numbered as a spreadsheet shows them: the header is row 1, even when a quoted
            # cell spans several lines of the file.
            for number, cells in enumerate(reader, start=2):
                if any(c.strip() for c in cells):
                    rows.append((number, cells))
        except csv.Error as exc:
            raise ImportFileError(
                _("Line %(line)s is not valid CSV: %(err)s")
                % {"line": reader.line_num, "err": exc}
            )
        return Table(header=header, rows=rows, formulas=[])


class XlsxReader:
    name = "xlsx"

    def sniff(self, data: bytes) -> bool:
        return data.startswith(b"PK\x03\x04")

    def read(self, data: bytes, encoding: str | None = None) -> Table:
        from openpyxl import load_workbook  # only when an XLSX arrives

        try:
            # data_only=False: formulas come back as text so that they can be refused.
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        except Exception as exc:
            raise ImportFileError(
                _("The file is not a readable Excel workbook (.xlsx): %(err)s") % {"err": exc}
            )
        sheet = book.worksheets[0]
        header: list[str] | None = None
        rows, formulas = [], []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = ["" if v is None else _cell_text(v) for v in values]
            if header is None:
                if any(cells):
                    header = cells
                continue
            if not any(c.strip() for c in cells):
                continue
            for index, cell in enumerate(cells):
                if cell.startswith("="):
                    formulas.append((number, index, cell))
            rows.append((number, cells))
        book.close()
        if header is None:
            raise ImportFileError(_("The workbook's first sheet is empty."))
        return Table(header=header, rows=rows, formulas=formulas)


def _cell_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


READERS = (XlsxReader(), CsvReader())


def read_table(data: bytes, *, max_bytes: int, encoding: str | None = None) -> Table:
    if len(data) > max_bytes:
        raise ImportFileError(
            _(
                "The file is %(size).1f MB; the limit is %(limit).0f MB. Split it by organisation and import the parts."
            )
            % {"size": len(data) / 1_048_576, "limit": max_bytes / 1_048_576}
        )
    if not data.strip():
        raise ImportFileError(_("The file is empty."))
    for reader in READERS:
        if reader.sniff(data):
            return reader.read(data, encoding)
    raise ImportFileError(_("Unknown file type: upload CSV or XLSX."))


HEADER_NORMALISE = re.compile(r"[^a-z0-9]+")


def normalise_header(name: str) -> str:
    return HEADER_NORMALISE.sub("_", name.strip().lower()).strip("_")


def iter_records(table: Table, columns: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    index = {normalise_header(h): i for i, h in enumerate(table.header)}
    positions = [(c, index.get(c)) for c in columns]
    width = max((i for _, i in positions if i is not None), default=-1) + 1
    for number, cells in table.rows:
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        yield number, {c: ("" if i is None else cells[i].strip()) for c, i in positions}
