"""Text of attached documents: PDF, DOCX and ODT written from known Vietnamese text, read back.

    .venv/bin/python bench/attachments.py [--docs 60] [--seed 1]

Each document is a real news article from ``../shared/data/news/vietnews.jsonl.gz`` (title as
the subject, body as the text) laid out as a Vietnamese administrative document (issuing body,
``Số: 123/QĐ-BTTTT``, national motto, place and date, kind, subject, the text, a table of four
rows, the signature: ``tests/documents.py``), written by each writer: reportlab and fpdf2 (PDF,
DejaVu Sans), python-docx (DOCX), odfpy (ODT). Each is read back by each reader of its format:
pypdf and pdfminer.six for PDF (the comparison that chose pypdf), python-docx and odfpy
through ``indexer.attachments``. Printed per writer and reader: the text F1 of the extracted
body against the document's words (bag of NFC-lowercased words, the article-extraction-benchmark
metric), the share of documents whose number, issuing body, date and kind+number title were
found, and the milliseconds per document; beside the F1 of words, the F1 of adjacent word pairs,
which reading order costs (the heading's two columns read across, a table read down). Target:
F1 >= 0.98 and the numbers found.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
NEWS = ROOT.parent / "shared" / "data" / "news" / "vietnews.jsonl.gz"

from documents import (Document, font_path, write_docx, write_odt, write_pdf_fpdf,  # noqa: E402
                       write_pdf_reportlab)
from indexer.attachments import Limits, extract_document  # noqa: E402

ISSUERS = [
    (["BỘ THÔNG TIN VÀ TRUYỀN THÔNG"], "Bộ Thông tin và Truyền thông", "BTTTT", "Hà Nội"),
    (["BỘ Y TẾ"], "Bộ Y tế", "BYT", "Hà Nội"),
    (["BỘ TÀI CHÍNH"], "Bộ Tài chính", "BTC", "Hà Nội"),
    (["UBND TỈNH LÀO CAI", "SỞ THÔNG TIN VÀ TRUYỀN THÔNG"], "Sở Thông tin và Truyền thông tỉnh Lào Cai", "STTTT",
     "Lào Cai"),
    (["ỦY BAN NHÂN DÂN", "THÀNH PHỐ ĐÀ NẴNG"], "Ủy ban nhân dân thành phố Đà Nẵng", "UBND", "Đà Nẵng"),
    (["BỘ VĂN HÓA, THỂ THAO VÀ DU LỊCH"], "Bộ Văn hóa, Thể thao và Du lịch", "BVHTTDL", "Hà Nội"),
]
KINDS = [("QUYẾT ĐỊNH", "QĐ"), ("THÔNG BÁO", "TB"), ("KẾ HOẠCH", "KH"), ("BÁO CÁO", "BC")]


def documents(count: int, seed: int) -> list[tuple[Document, dict]]:
    """``count`` documents from the first news articles with a body of 300-4,000 characters."""
    rng = random.Random(seed)
    out = []
    with gzip.open(NEWS, "rt", encoding="utf-8") as fh:
        for line in fh:
            item = json.loads(line)
            body = item.get("body") or ""
            if not 300 <= len(body) <= 4000:
                continue
            issuer, agency, code, place = rng.choice(ISSUERS)
            kind, short = rng.choice(KINDS)
            number = f"{rng.randint(1, 3999)}/{short}-{code}"
            day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(2012, 2025)
            paragraphs = [p.strip() for p in body.split("\n") if p.strip()]
            words = re.findall(r"\w+", body)
            cells = [" ".join(words[i:i + 6]) for i in range(0, min(len(words), 96), 8)]
            table = [["STT", "Nội dung", "Đơn vị thực hiện", "Thời hạn"]] + [
                [str(r + 1), cells[(2 * r) % len(cells)], cells[(2 * r + 1) % len(cells)], f"Quý {r + 1}/{year}"]
                for r in range(4)]
            doc = Document(issuer=issuer, number=number, place_date=f"{place}, ngày {day} tháng {month} năm {year}",
                           kind=kind, subject="Về " + item["title"][:1].lower() + item["title"][1:],
                           paragraphs=paragraphs, tables=[table], signature=["GIÁM ĐỐC" if code == "STTTT" else "BỘ TRƯỞNG",
                                                                             "Nguyễn Văn An"])
            out.append((doc, {"agency": agency, "number": number, "date": f"{year:04d}-{month:02d}-{day:02d}"}))
            if len(out) == count:
                break
    return out


def words(text: str) -> list[str]:
    return re.findall(r"\w+", unicodedata.normalize("NFC", text).lower())


def tokens(text: str) -> Counter:
    return Counter(words(text))


def pairs(text: str) -> Counter:
    """Adjacent words: what reading order (columns read across, a table read down) costs."""
    w = words(text)
    return Counter(zip(w, w[1:]))


def f1(gold: str, found: str, unit=tokens) -> float:
    g, h = unit(gold), unit(found)
    common = sum((g & h).values())
    if not common:
        return 0.0
    p, r = common / sum(h.values()), common / sum(g.values())
    return 2 * p * r / (p + r)


WRITERS = {
    "pdf reportlab": ("pdf", lambda d, p, f: write_pdf_reportlab(d, p, f)),
    "pdf fpdf2": ("pdf", lambda d, p, f: write_pdf_fpdf(d, p, f)),
    "docx python-docx": ("docx", lambda d, p, f: write_docx(d, p)),
    "odt odfpy": ("odt", lambda d, p, f: write_odt(d, p)),
}
READERS = {"pdf": ["pypdf", "pdfminer"], "docx": ["python-docx"], "odt": ["odfpy"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not NEWS.exists():
        sys.exit(f"needs ../shared beside the repository (looked for {NEWS})")
    font = font_path()
    if font is None:
        sys.exit("needs a TrueType font with Vietnamese letters (Debian: fonts-dejavu-core)")
    docs = documents(args.docs, args.seed)
    rows = [("writer", "reader", "docs", "text F1", "min F1", "pair F1", "number", "issuer", "date", "title", "ms/doc")]
    misses: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for writer, (media, write) in WRITERS.items():
            paths = []
            for i, (doc, _gold) in enumerate(docs):
                path = Path(tmp) / f"{writer.replace(' ', '-')}-{i}.{media}"
                write(doc, path, font)
                paths.append(path)
            for reader in READERS[media]:
                scores, ordered, hits, took = [], [], Counter(), 0.0
                for path, (doc, gold) in zip(paths, docs):
                    raw = path.read_bytes()
                    started = time.perf_counter()
                    article = extract_document(raw, path.name, media, Limits(),
                                               pdf_reader=reader if media == "pdf" else "pypdf")
                    took += time.perf_counter() - started
                    scores.append(f1(doc.text(), article.body))
                    ordered.append(f1(doc.text(), article.body, pairs))
                    hits["number"] += article.document["number"] == gold["number"]
                    hits["issuer"] += article.agency == gold["agency"]
                    hits["date"] += article.date == gold["date"]
                    hits["title"] += article.title.startswith(f"{doc.kind.capitalize()} {gold['number']} về ")
                    if article.agency != gold["agency"] or article.document["number"] != gold["number"]:
                        misses.append(f"{writer} / {reader}: {path.name}: {article.agency!r} {article.document['number']!r}"
                                      f" (gold {gold['agency']!r} {gold['number']!r})")
                n = len(docs)
                rows.append((writer, reader, str(n), f"{sum(scores) / n:.4f}", f"{min(scores):.4f}",
                             f"{sum(ordered) / n:.4f}",
                             f"{hits['number'] / n:.3f}", f"{hits['issuer'] / n:.3f}", f"{hits['date'] / n:.3f}",
                             f"{hits['title'] / n:.3f}", f"{took * 1000 / n:.1f}"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for k, row in enumerate(rows):
        print("  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))))
        if k == 0:
            print("  ".join("-" * w for w in widths))
    print(f"\n{len(docs)} documents from {NEWS.name} (seed {args.seed}); F1 over the body the index stores "
          f"(every word the document shows, heading and table cells included)")
    for miss in misses[:20]:
        print("miss:", miss)
    return 0


if __name__ == "__main__":
    sys.exit(main())
