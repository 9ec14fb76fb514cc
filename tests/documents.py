"""Real documents written by the real libraries from known text: PDF (reportlab, fpdf2), DOCX
(python-docx) and ODT (odfpy), laid out as Vietnamese administrative documents are (Nghị định
30/2020/NĐ-CP): the issuing body and the number on the left and the national motto with the place
and date on the right, in a borderless table; the kind of document and its subject centred; the
text; tables; the signature.

Used by the tests, by ``bench/attachments.py`` and by ``tests/make_corpus_files.py`` (which wrote
the corpus's own attachments). PDF needs a TrueType font with Vietnamese letters: DejaVu Sans
(Debian's fonts-dejavu-core, which ``make test`` installs).
"""

from __future__ import annotations

import glob
import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

MOTTO = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]


@dataclass
class Document:
    """What a document says, in reading order."""

    issuer: list[str]  # e.g. ["BỘ THÔNG TIN VÀ TRUYỀN THÔNG"] or ["UBND TỈNH LÀO CAI", "SỞ ..."]
    number: str  # "847/QĐ-BTTTT"
    place_date: str  # "Hà Nội, ngày 15 tháng 3 năm 2024"
    kind: str  # "QUYẾT ĐỊNH"
    subject: str  # "Về việc ..."
    paragraphs: list[str] = field(default_factory=list)
    tables: list[list[list[str]]] = field(default_factory=list)  # after the paragraphs
    signature: list[str] = field(default_factory=list)

    def header_rows(self) -> list[list[str]]:
        left = self.issuer + [f"Số: {self.number}"]
        right = MOTTO + [self.place_date]
        rows = max(len(left), len(right))
        return [[left[i] if i < len(left) else "", right[i] if i < len(right) else ""] for i in range(rows)]

    def text(self) -> str:
        """Every word the document shows, for scoring an extraction."""
        parts = [cell for row in self.header_rows() for cell in row]
        parts += [self.kind, self.subject, *self.paragraphs]
        parts += [cell for table in self.tables for row in table for cell in row]
        parts += self.signature
        return "\n".join(p for p in parts if p)


def font_path() -> str | None:
    """A TrueType font with Vietnamese letters, or None."""
    for pattern in ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/**/DejaVuSans.ttf"):
        found = glob.glob(pattern, recursive=True)
        if found:
            return found[0]
    try:
        out = subprocess.run(["fc-match", "-f", "%{file}", "DejaVu Sans:lang=vi"], capture_output=True, text=True,
                             timeout=10).stdout.strip()
        return out if out.endswith(".ttf") else None
    except (OSError, subprocess.SubprocessError):
        return None


def write_pdf_reportlab(doc: Document, path: Path, font: str) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    pdfmetrics.registerFont(TTFont("DejaVu", font))
    body = ParagraphStyle("body", fontName="DejaVu", fontSize=11, leading=15)
    centre = ParagraphStyle("centre", parent=body, alignment=1)
    cell = ParagraphStyle("cell", parent=body, fontSize=9.5, leading=12)
    story = [Table([[Paragraph(a, centre), Paragraph(b, centre)] for a, b in doc.header_rows()],
                   colWidths=[230, 270]), Spacer(1, 12),
             Paragraph(doc.kind, centre), Paragraph(doc.subject, centre), Spacer(1, 8)]
    story += [Paragraph(p, body) for p in doc.paragraphs]
    for table in doc.tables:
        grid = Table([[Paragraph(c, cell) for c in row] for row in table])  # no header repeated on a new page
        grid.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black)]))
        story += [Spacer(1, 8), grid]
    story += [Spacer(1, 12)] + [Paragraph(s, ParagraphStyle("sig", parent=body, alignment=2)) for s in doc.signature]
    SimpleDocTemplate(str(path), pagesize=A4, title=f"{doc.kind} {doc.number}", author=" ".join(doc.issuer),
                      leftMargin=50, rightMargin=50).build(story)


def write_pdf_fpdf(doc: Document, path: Path, font: str) -> None:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", fname=font)
    pdf.set_font("DejaVu", size=11)
    pdf.set_title(f"{doc.kind} {doc.number}")
    pdf.add_page()
    with pdf.table(borders_layout="NONE", text_align="CENTER", first_row_as_headings=False) as grid:
        for a, b in doc.header_rows():
            row = grid.row()
            row.cell(a)
            row.cell(b)
    pdf.ln(4)
    pdf.multi_cell(0, 7, doc.kind, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 7, doc.subject, align="C", new_x="LMARGIN", new_y="NEXT")
    for p in doc.paragraphs:
        pdf.multi_cell(0, 6, p, new_x="LMARGIN", new_y="NEXT")
    for table in doc.tables:
        pdf.ln(3)
        pdf.set_font("DejaVu", size=9)
        with pdf.table(first_row_as_headings=False) as grid:  # no header repeated on a new page
            for cells in table:
                row = grid.row()
                for c in cells:
                    row.cell(c)
        pdf.set_font("DejaVu", size=11)
    pdf.ln(4)
    for s in doc.signature:
        pdf.multi_cell(0, 6, s, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))


def write_docx(doc: Document, path: Path) -> None:
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    out = docx.Document()
    out.core_properties.title = f"{doc.kind} {doc.number}"
    header = out.add_table(rows=0, cols=2)
    for a, b in doc.header_rows():
        cells = header.add_row().cells
        cells[0].text, cells[1].text = a, b
    for line in (doc.kind, doc.subject):
        out.add_paragraph(line).alignment = WD_ALIGN_PARAGRAPH.CENTER
    for p in doc.paragraphs:
        out.add_paragraph(p)
    for table in doc.tables:
        grid = out.add_table(rows=0, cols=len(table[0]))
        grid.style = "Table Grid"
        for cells in table:
            row = grid.add_row().cells
            for i, c in enumerate(cells):
                row[i].text = c
    for s in doc.signature:
        out.add_paragraph(s).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    out.save(str(path))


def write_odt(doc: Document, path: Path) -> None:
    from odf.opendocument import OpenDocumentText
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import P

    out = OpenDocumentText()

    def table(rows: list[list[str]]) -> Table:
        grid = Table()
        grid.addElement(TableColumn(numbercolumnsrepeated=len(rows[0])))
        for cells in rows:
            tr = TableRow()
            for c in cells:
                td = TableCell()
                td.addElement(P(text=c))
                tr.addElement(td)
            grid.addElement(tr)
        return grid

    out.text.addElement(table(doc.header_rows()))
    for line in (doc.kind, doc.subject, *doc.paragraphs):
        out.text.addElement(P(text=line))
    for rows in doc.tables:
        out.text.addElement(table(rows))
    for s in doc.signature:
        out.text.addElement(P(text=s))
    out.save(str(path))


SAMPLES = Path(__file__).resolve().parent / "fixtures" / "documents.json"


def sample(name: str) -> Document:
    """A document of ``tests/fixtures/documents.json``: decision (Bộ TT&TT, with a table), notice
    (Sở TT&TT Lào Cai, with a table of results), plan (UBND thành phố Đà Nẵng)."""
    return Document(**json.loads(SAMPLES.read_text(encoding="utf-8"))[name])


def sample_decision() -> Document:
    return sample("decision")


def sample_notice() -> Document:
    return sample("notice")
