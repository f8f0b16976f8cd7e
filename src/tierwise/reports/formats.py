"""A report as a file: HTML from this package's Jinja2 templates (`templates/`: a report
carries its own style sheet, which the portal's pages may not), PDF printed from that HTML
by WeasyPrint, and an xlsx workbook of the same numbers (XlsxWriter, as the Data Compass
exports).

Why WeasyPrint for the PDF: it lays out HTML and CSS in this process through Debian's
pango, which shapes Thai (no spaces between words, stacked vowels) and CJK with the fonts
fontconfig finds, and embeds subsets of them; the same template is the HTML report. The
alternative, Chromium's print-to-PDF, would start a browser process per report — a large
dependency for a server and a CLI, installed only for the browser tests. The charts are
inline SVG drawn here, since a PDF runs no script."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, Literal

import xlsxwriter
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from tierwise.partners.wording import format_number
from tierwise.reports.chart import chart_points, distribution_chart, history_chart
from tierwise.reports.content import PartnerReport, ProgramReport
from tierwise.web.i18n import pick, translator

Format = Literal["pdf", "html", "xlsx"]
FORMATS: tuple[Format, ...] = ("pdf", "html", "xlsx")
MEDIA_TYPES: dict[Format, str] = {
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

TEMPLATES = Path(__file__).parent / "templates"

#: Fonts per language: Latin in DejaVu Sans, Thai in Loma (first for Thai), Chinese in Noto
#: Sans CJK SC; every list holds every script, since a name (a partner's, a metric's) may be
#: in another one. Debian packages fonts-dejavu-core, fonts-thai-tlwg and fonts-noto-cjk
#: (`make reports`), with libharfbuzz-subset0: WeasyPrint subsets fonts with HarfBuzz when
#: it is there (under a second for Noto CJK) and with fontTools otherwise (15-20 s a PDF
#: on Noto CJK's CFF outlines).
FONTS = {
    "en": "'DejaVu Sans', 'Noto Sans CJK SC', Loma, sans-serif",
    "zh": "'DejaVu Sans', 'Noto Sans CJK SC', Loma, sans-serif",
    "th": "Loma, 'DejaVu Sans', 'Noto Sans CJK SC', sans-serif",
}

_CSS = """
@page { size: A4; margin: 16mm 14mm 18mm;
  @bottom-right { content: counter(page) " / " counter(pages); font-family: FONTS;
    font-size: 8pt; color: #666; } }
html { font-family: FONTS; }
body { font-size: 9.5pt; color: #111; line-height: 1.45; }
h1 { font-size: 17pt; margin: 0 0 4pt; }
h2 { font-size: 12pt; margin: 14pt 0 5pt; border-bottom: 1px solid #d0d4dc; padding-bottom: 2pt; }
h3 { font-size: 10pt; margin: 8pt 0 3pt; }
.kicker { color: #1d4ed8; margin: 0; font-size: 9pt; }
.meta span + span::before { content: " · "; color: #999; }
.meta { margin: 2pt 0; color: #444; }
.small { font-size: 8pt; }
.muted { color: #666; }
table.stats { border-collapse: collapse; margin: 6pt 0; }
table.stats td { padding: 4pt 14pt 4pt 0; vertical-align: top; }
.label { display: block; font-size: 8pt; color: #666; }
.big { display: block; font-size: 14pt; font-weight: bold; }
table.grid { border-collapse: collapse; width: 100%; margin: 4pt 0; }
table.grid th, table.grid td { border-bottom: 1px solid #e3e6ec; padding: 3pt 4pt; text-align: left;
  vertical-align: top; }
table.grid th { background: #f3f5f9; font-size: 8.5pt; }
.num { text-align: right !important; white-space: nowrap; }
ul.notices li.warn { color: #9a3412; }
.chart { position: relative; margin: 4pt 0 8pt; }
.chart .axis { position: absolute; left: 0; top: 0; }
.chart .axis span { position: absolute; right: 0; font-size: 8pt; line-height: 14px;
  white-space: nowrap; color: #444; }
.keep-together { page-break-inside: avoid; }
"""


#: The charts' fonts: WeasyPrint's SVG text takes the first face of its list and leaves the
#: rest to fontconfig's fallback, so the language's script comes first.
SVG_FONTS = {
    "en": FONTS["en"],
    "zh": "'Noto Sans CJK SC', 'DejaVu Sans', Loma, sans-serif",
    "th": FONTS["th"],
}


def fonts(lang: str) -> str:
    return FONTS.get(lang, FONTS["en"])


def svg_fonts(lang: str) -> str:
    return SVG_FONTS.get(lang, SVG_FONTS["en"])


def css(lang: str) -> str:
    return _CSS.replace("FONTS", fonts(lang))


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=False,
    )
    env.filters["num"] = format_number
    return env


_ENV = _environment()


def _words(lang: str) -> dict[str, Any]:
    return {
        "lang": lang,
        "t": translator(lang),
        "pick": lambda text: pick(text, lang),
        "css": Markup(css(lang)),
    }


def _level_titles(report: PartnerReport | ProgramReport) -> list[str]:
    return [
        str(pick({"en": lv.title.en, "zh": lv.title.zh}, report.lang))
        for lv in report.program.levels
    ]


def partner_html(report: PartnerReport) -> str:
    t = translator(report.lang)
    chart = history_chart(
        chart_points(report.card.history, format_number),
        _level_titles(report),
        t("no_level"),
        t("history_chart_label", program=pick(report.card.program_title, report.lang)),
        svg_fonts(report.lang),
    )
    template = _ENV.get_template("report_partner.html")
    return template.render(r=report, chart=chart, **_words(report.lang))


def program_html(report: ProgramReport, today: date | None = None) -> str:
    t = translator(report.lang)
    names = {None: t("no_level")} | {
        lv.id: title for lv, title in zip(report.program.levels, _level_titles(report), strict=True)
    }
    rows = [
        (names.get(level, str(level)), after, before if report.previous_period else None)
        for level, before, after in reversed(report.levels)
    ]
    chart = distribution_chart(
        rows,
        t("level_distribution"),
        str(report.previous_period or ""),
        report.period,
        svg_fonts(report.lang),
    )
    template = _ENV.get_template("report_program.html")
    return template.render(
        r=report,
        chart=chart,
        today=today or date.today(),
        **_words(report.lang),
    )


def pdf(html: str) -> bytes:
    """The HTML printed to PDF (WeasyPrint: imported here, it takes half a second)."""
    from weasyprint import HTML

    data: bytes = HTML(string=html).write_pdf()
    return data


def _book(fill: Callable[[Any], None]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    fill(book)
    book.close()
    return buffer.getvalue()


def _sheet(book: Any, name: str, header: list[str], rows: list[list[Any]]) -> None:
    bold = book.add_format({"bold": True})
    sheet = book.add_worksheet(name)
    sheet.write_row(0, 0, header, bold)
    for i, row in enumerate(rows, start=1):
        sheet.write_row(i, 0, [_cell(v) for v in row])
    sheet.set_column(0, max(len(header) - 1, 0), 18)


def _cell(value: Any) -> Any:
    """Numbers as numbers (a stored score is text: "601"), the rest as text."""
    if value is None or isinstance(value, bool):
        return "" if value is None else str(value)
    if isinstance(value, int | float):
        return value
    text = str(value)
    try:
        return int(text) if text.lstrip("-").isdigit() else float(text)
    except ValueError:
        return text


def _gap(score: Any, points: Any) -> Any:
    return score if score is not None else points


def partner_xlsx(report: PartnerReport) -> bytes:
    t = translator(report.lang)
    card = report.card

    def title(metric: str) -> str:
        return str(pick(card.metric_titles.get(metric), report.lang) or metric)

    def fill(book: Any) -> None:
        nxt = card.next_level
        gap = nxt.gap if nxt is not None else None
        _sheet(
            book,
            "Report",
            [t("report_field"), t("value")],
            [
                ["program", report.program.id],
                ["partner_id", report.partner_id],
                ["name", report.name],
                ["period", report.period],
                ["run", card.run_id],
                ["status", card.status],
                ["score", card.score],
                ["level", card.level["id"] if card.level else None],
                ["computed_level", card.computed_level],
                ["previous_level", card.previous_level],
                ["change", card.change],
                ["next_level", nxt.level if nxt else None],
                [
                    "gap",
                    None if gap is None else (gap.score if gap.score is not None else gap.points),
                ],
            ],
        )
        _sheet(
            book,
            "Metrics",
            [
                "metric",
                t("metric"),
                t("value"),
                t("band_or_part"),
                t("points"),
                t("report_previous", period=report.previous_period or "—"),
                t("report_previous_points"),
            ],
            [
                [
                    r.metric,
                    title(r.metric),
                    r.value,
                    r.band or r.component,
                    r.points,
                    r.previous_value,
                    r.previous_points,
                ]
                for r in report.rows
            ],
        )
        _sheet(
            book,
            "History",
            [t("period"), t("score"), t("level"), t("status"), t("change")],
            [[h["period"], h["score"], h["level"], h["status"], h["change"]] for h in card.history],
        )
        _sheet(book, "Actions", [t("actions_to_close")], [[a["text"]] for a in report.actions])

    return _book(fill)


def program_xlsx(report: ProgramReport) -> bytes:
    t = translator(report.lang)

    def fill(book: Any) -> None:
        _sheet(
            book,
            "Distribution",
            ["level", t("report_previous", period=report.previous_period or "—"), report.period],
            [[lv or "none", before, after] for lv, before, after in report.levels],
        )
        _sheet(
            book,
            "Movers",
            ["partner_id", t("report_partner"), t("change"), t("report_before"), t("report_after")],
            [[m.partner_id, m.name, m.kind, m.before, m.after] for m in report.movers],
        )
        _sheet(
            book,
            "Close",
            ["partner_id", t("report_partner"), t("report_how_close")],
            [[pid, name, text] for pid, name, text in report.near],
        )

    return _book(fill)


def partner_file(report: PartnerReport, fmt: Format) -> bytes:
    """The partner's report in `fmt`."""
    if fmt == "xlsx":
        return partner_xlsx(report)
    html = partner_html(report)
    return pdf(html) if fmt == "pdf" else html.encode()


def program_file(report: ProgramReport, fmt: Format, today: date | None = None) -> bytes:
    """The program's report in `fmt`."""
    if fmt == "xlsx":
        return program_xlsx(report)
    html = program_html(report, today)
    return pdf(html) if fmt == "pdf" else html.encode()
