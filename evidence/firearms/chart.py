"""Bar charts drawn on the server as SVG: no script, no style attribute, no CDN.

The page's content security policy forbids inline script and inline style, so the
chart is plain SVG elements with classes (coloured by app.css) and presentation
attributes. Each chart names itself for assistive technology and the page puts the
same numbers in a table beside it.
"""

from markupsafe import Markup, escape

BAR = 26
GAP = 8
LABEL_WIDTH = 150
PLOT_WIDTH = 300
VALUE_WIDTH = 40


def bar_chart(chart_id: str, title: str, rows: list[tuple[str, int]]) -> Markup:
    """Return an accessible horizontal bar chart of ``rows`` (label, count)."""
    height = max(1, len(rows)) * (BAR + GAP) + GAP
    width = LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH
    top = max((count for _label, count in rows), default=0) or 1
    summary = ", ".join(f"{label}: {count}" for label, count in rows) or "no data"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" '
        f'role="img" aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(summary)}</desc>',
    ]
    for index, (label, count) in enumerate(rows):
        y = GAP + index * (BAR + GAP)
        length = round(PLOT_WIDTH * count / top)
        parts.append(
            f'<text class="chart__label" x="{LABEL_WIDTH - 8}" y="{y + BAR * 0.7:.1f}" '
            f'text-anchor="end">{escape(label)}</text>'
            f'<rect class="chart__bar" x="{LABEL_WIDTH}" y="{y}" width="{length}" '
            f'height="{BAR}"></rect>'
            f'<text class="chart__value" x="{LABEL_WIDTH + length + 6}" '
            f'y="{y + BAR * 0.7:.1f}">{count}</text>'
        )
    if not rows:
        parts.append(f'<text class="chart__label" x="8" y="{BAR * 0.7:.1f}">No seizures</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text and attribute above is escaped)
