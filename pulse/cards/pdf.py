"""The cards as an A4 PDF (eight to a page, with cut lines), drawn with ReportLab.

Pure Python: no system libraries are needed. The QR code is drawn as vector modules from
segno's matrix, so it stays sharp at any printer resolution. Each card's QR area is also a
link, so the PDF works on screen too.
"""

from __future__ import annotations

import io
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from pulse.cards.service import Card

COLUMNS, ROWS = 2, 4
CARD_W, CARD_H = A4[0] / COLUMNS, A4[1] / ROWS
PAD = 6 * mm
QR_SIZE = 38 * mm
#: DejaVu covers names beyond Latin-1 (ı, ł, ğ ...); ReportLab's Helvetica is the fallback.
_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu")


def _fonts() -> tuple[str, str]:
    for directory in _FONT_DIRS:
        regular, bold = Path(directory, "DejaVuSans.ttf"), Path(directory, "DejaVuSans-Bold.ttf")
        if regular.exists() and bold.exists():
            if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(TTFont("DejaVuSans", str(regular)))
                pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(bold)))
            return "DejaVuSans", "DejaVuSans-Bold"
    return "Helvetica", "Helvetica-Bold"


def render_cards_pdf(cards: list[Card], title: str) -> bytes:
    regular, bold = _fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(title)
    canvas.setAuthor("Tillidspuls")
    per_page = COLUMNS * ROWS
    for start in range(0, len(cards), per_page):
        _cut_lines(canvas)
        for slot, card in enumerate(cards[start : start + per_page]):
            column, row = slot % COLUMNS, slot // COLUMNS
            _card(canvas, card, column * CARD_W, A4[1] - (row + 1) * CARD_H, regular, bold)
        canvas.showPage()
    if not cards:
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _cut_lines(canvas: Canvas) -> None:
    canvas.saveState()
    canvas.setStrokeGray(0.75)
    canvas.setLineWidth(0.3)
    canvas.setDash(2, 3)
    for column in range(1, COLUMNS):
        canvas.line(column * CARD_W, 0, column * CARD_W, A4[1])
    for row in range(1, ROWS):
        canvas.line(0, row * CARD_H, A4[0], row * CARD_H)
    canvas.restoreState()


def _qr(canvas: Canvas, card: Card, x: float, y: float) -> None:
    """The QR modules as filled rectangles, one per horizontal run of dark modules."""
    matrix = card.qr.matrix
    border = 2
    module = QR_SIZE / (len(matrix) + 2 * border)
    path = canvas.beginPath()
    for r, line in enumerate(matrix):
        top = y + QR_SIZE - (r + border + 1) * module
        c = 0
        while c < len(line):
            if line[c]:
                start = c
                while c < len(line) and line[c]:
                    c += 1
                path.rect(x + (start + border) * module, top, (c - start) * module, module)
            else:
                c += 1
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.linkURL(card.url, (x, y, x + QR_SIZE, y + QR_SIZE), relative=0)


def _lines(canvas, text, font, size, x, y, width, leading=None) -> float:
    """Wrapped text from the top at y; returns the y below it."""
    leading = leading or size * 1.25
    canvas.setFont(font, size)
    for line in simpleSplit(text, font, size, width):
        y -= leading
        canvas.drawString(x, y, line)
    return y


def _card(canvas: Canvas, card: Card, x: float, y: float, regular: str, bold: str) -> None:
    canvas.saveState()
    top = y + CARD_H - PAD
    text_x = x + PAD
    width = CARD_W - 2 * PAD
    after = _lines(canvas, "Tillidspuls", bold, 13, text_x, top, width)
    after = _lines(canvas, card.name, bold, 11, text_x, after - 1 * mm, width)
    after = _lines(canvas, card.team, regular, 7.5, text_x, after, width)
    if card.qr is None:  # a role-holder: no link on a card (see pulse/auth/issuing.py)
        _lines(canvas, card.own_link, regular, 8, text_x, after - 3 * mm, width)
        canvas.restoreState()
        return
    qr_y = after - 2 * mm - QR_SIZE
    _qr(canvas, card, text_x - 2 * mm, qr_y)
    right_x = text_x + QR_SIZE
    right_w = x + CARD_W - PAD - right_x
    below = _lines(canvas, card.heading, bold, 8, right_x, after - 2 * mm, right_w)
    below = _lines(canvas, card.scan, regular, 7, right_x, below - 1 * mm, right_w)
    below = _lines(canvas, card.valid, regular, 7, right_x, below - 1 * mm, right_w)
    below = _lines(canvas, card.home_screen, bold, 7, right_x, below - 1.5 * mm, right_w)
    below = _lines(canvas, card.iphone, regular, 7, right_x, below, right_w)
    _lines(canvas, card.android, regular, 7, right_x, below, right_w)
    canvas.setFillGray(0.35)
    _lines(canvas, card.url, regular, 5.5, text_x, y + PAD + 2 * mm, width, leading=7)
    canvas.restoreState()
