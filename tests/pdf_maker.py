"""Builds test PDFs from text at test time (fpdf2), with a running header and page-number footer."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

HEADER = "Beijing HR Service Action Plan - English text"


def text_to_pdf(text: str, path: Path, header: str = HEADER) -> Path:
    """One paragraph per line of ``text``, wrapped by fpdf2, on as many A4 pages as it takes."""

    class _Doc(FPDF):
        def header(self) -> None:
            self.set_font("Helvetica", size=8)
            self.cell(0, 6, header, align="C")
            self.ln(8)

        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("Helvetica", size=8)
            self.cell(0, 6, str(self.page_no()), align="C")

    pdf = _Doc(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    for line in text.splitlines():
        if line.strip():
            pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
    pdf.output(str(path))
    return path
