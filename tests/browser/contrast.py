"""Contrast of what a Plotly chart draws against what is drawn beneath it, measured in the browser.

For one chart: every visible SVG text, marker (points, bars, legend symbols) and line (traces,
shapes, legend lines) is listed with its colour as drawn (computed ``fill``/``stroke``, alpha times
every opacity above it). Then the texts are hidden and the chart is photographed: the background
of a text is the most common colour under its box in that photograph (the page, the paper, a
heatmap cell, a pale box or band, an annotation's box); that of a marker or a line is the chart's
own background (the most common colour of the whole photograph). The WCAG contrast ratio of the
item's colour, blended onto its background, against that background is what a viewer gets.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

MIN_CONTRAST = 3.0

# items of one chart, with colours and boxes relative to the chart; marks them for hiding
COLLECT = """chart => {
    chart.querySelectorAll('[data-contrast-item]').forEach(e => e.removeAttribute('data-contrast-item'));
    const box = chart.getBoundingClientRect();
    const svgs = [...chart.querySelectorAll('svg.main-svg')];
    const alphaOf = (el, own) => {
        let a = own;
        for (let e = el; e && e !== chart; e = e.parentElement) {
            const cs = getComputedStyle(e);
            a *= parseFloat(cs.opacity);
            if (cs.visibility === 'hidden' || cs.display === 'none') return 0;
        }
        return a;
    };
    const paint = (value, opacity) => {
        const m = value && value.match(/rgba?\\(([^)]+)\\)/);
        if (!m) return null;
        const p = m[1].split(',').map(Number);
        return [p[0], p[1], p[2], (p.length > 3 ? p[3] : 1) * opacity];
    };
    const items = [];
    const add = (el, kind, name) => {
        const r = el.getBoundingClientRect();
        if (r.width < 0.5 && r.height < 0.5) return;
        const cx = r.x + r.width / 2 - box.x, cy = r.y + r.height / 2 - box.y;
        if (cx < 0 || cy < 0 || cx > box.width || cy > box.height) return;
        const cs = getComputedStyle(el);
        const fill = paint(cs.fill, parseFloat(cs.fillOpacity));
        const stroke = parseFloat(cs.strokeWidth) >= 1
            ? paint(cs.stroke, parseFloat(cs.strokeOpacity)) : null;
        const alpha = alphaOf(el, 1);
        if (alpha < 0.05) return;
        const seen = c => c !== null && c[3] * alpha >= 0.05;
        const f = seen(fill) ? [...fill.slice(0, 3), fill[3] * alpha] : null;
        const s = seen(stroke) ? [...stroke.slice(0, 3), stroke[3] * alpha] : null;
        if (kind === 'line' ? s === null : (f === null && s === null)) return;
        el.setAttribute('data-contrast-item', kind);
        items.push({kind, name, fill: kind === 'line' ? null : f, stroke: s,
            box: [r.x - box.x, r.y - box.y, r.width, r.height]});
    };
    for (const svg of svgs) {
        for (const t of svg.querySelectorAll('text')) {
            if (t.closest('.hoverlayer, .modebar-container')) continue;
            const text = t.textContent.trim();
            if (text !== '') add(t, 'text', text.slice(0, 50));
        }
        for (const p of svg.querySelectorAll(
            '.scatterlayer .point, .barlayer .point path, .legend .legendpoints path'))
            add(p, 'marker', p.closest('.legend') ? 'legend symbol' : 'marker');
        for (const p of svg.querySelectorAll('.scatterlayer .js-line, .legend .legendlines path'))
            add(p, 'line', p.closest('.legend') ? 'legend line' : 'line');
        for (const p of svg.querySelectorAll('.shapelayer path')) {
            const fill = getComputedStyle(p).fill;
            const filled = fill && fill !== 'none' && !/rgba\\([^)]*,\\s*0\\)/.test(fill)
                && parseFloat(getComputedStyle(p).fillOpacity) > 0;
            if (!filled) add(p, 'line', 'shape line');  // a filled shape is a background (a band)
        }
    }
    return items;
}"""

HIDE = """(chart, hide) => chart.querySelectorAll('[data-contrast-item="text"]')
    .forEach(e => { e.style.visibility = hide ? 'hidden' : ''; })"""

# the most common colour under each box of a PNG photograph of the chart (sRGB, 0-255)
BACKGROUNDS = """async ([png, boxes]) => {
    const img = new Image();
    img.src = 'data:image/png;base64,' + png;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.width; canvas.height = img.height;
    const ctx = canvas.getContext('2d', {willReadFrequently: true});
    ctx.drawImage(img, 0, 0);
    return boxes.map(([x, y, w, h]) => {
        const x0 = Math.max(0, Math.floor(x)), y0 = Math.max(0, Math.floor(y));
        const x1 = Math.min(img.width, Math.ceil(x + w)), y1 = Math.min(img.height, Math.ceil(y + h));
        if (x1 <= x0 || y1 <= y0) return null;
        const data = ctx.getImageData(x0, y0, x1 - x0, y1 - y0).data;
        const counts = new Map();
        let best = null, bestCount = 0;
        for (let i = 0; i < data.length; i += 4) {
            const key = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
            const n = (counts.get(key) || 0) + 1;
            counts.set(key, n);
            if (n > bestCount) { bestCount = n; best = key; }
        }
        return [(best >> 16) & 255, (best >> 8) & 255, best & 255];
    });
}"""


def luminance(rgb: tuple[float, float, float]) -> float:
    """WCAG relative luminance of an sRGB colour with channels 0-255."""

    def lin(c: float) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    """The WCAG contrast ratio of two sRGB colours, from 1 (same) to 21 (black on white)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def blend(rgba: list[float], background: tuple[float, float, float]) -> tuple[float, float, float]:
    """``rgba`` (alpha 0-1) painted onto ``background``."""
    a = min(max(rgba[3], 0.0), 1.0)
    return tuple(a * c + (1 - a) * bg for c, bg in zip(rgba[:3], background, strict=True))


@dataclass(frozen=True)
class Finding:
    chart: str
    kind: str
    name: str
    ratio: float
    colour: tuple
    background: tuple

    def __str__(self) -> str:
        colour = "rgb({:.0f}, {:.0f}, {:.0f})".format(*self.colour)
        return (
            f"{self.chart}: {self.kind} {self.name!r} {colour} on rgb{tuple(self.background)} "
            f"has contrast {self.ratio:.2f}"
        )


def item_contrast(item: dict, background: tuple) -> tuple[float, tuple]:
    """The better of an item's fill and stroke contrasts (a black star with a white rim reads on both)."""
    best = (0.0, (0, 0, 0))
    for paint in (item.get("fill"), item.get("stroke")):
        if paint is not None:
            colour = blend(paint, background)
            best = max(best, (contrast(colour, background), colour))
    return best


def chart_name(chart: object) -> str:
    """The chart's Streamlit key (from its ``st-key-...`` class), or its title."""
    key = chart.evaluate(
        """c => { const k = c.closest('[class*="st-key-"]');
            const m = k && [...k.classList].find(n => n.startsWith('st-key-'));
            const t = c.querySelector('.gtitle');
            return m ? m.slice(7) : (t ? 'chart ' + t.textContent.slice(0, 40) : 'a chart'); }"""
    )
    return str(key)


def low_contrast(page: object, chart: object, minimum: float = MIN_CONTRAST) -> tuple[list[Finding], int]:
    """The items of one chart (a locator of ``stPlotlyChart``) below ``minimum``, and how many were read.

    A text is measured against what is beneath it (a heatmap cell, a box, a band, the paper); a marker
    or a line against the chart's background (the paper as drawn, or the page through a transparent
    paper), so a symbol on a heatmap must also read where its legend entry sits, on the page.
    Findings that repeat (the same colour on the same background) are listed once.
    """
    chart.scroll_into_view_if_needed()
    items = chart.evaluate(COLLECT)
    chart.evaluate(HIDE, True)
    try:
        png = base64.b64encode(chart.screenshot(animations="disabled")).decode()
    finally:
        chart.evaluate(HIDE, False)
    size = chart.evaluate("c => [c.getBoundingClientRect().width, c.getBoundingClientRect().height]")
    backgrounds = page.evaluate(BACKGROUNDS, [png, [[0, 0, *size]] + [i["box"] for i in items]])
    paper, local = backgrounds[0], backgrounds[1:]
    name = chart_name(chart)
    out: dict[tuple, Finding] = {}
    for item, beneath in zip(items, local, strict=True):
        background = beneath if item["kind"] == "text" else paper
        if background is None:
            continue
        ratio, colour = item_contrast(item, tuple(background))
        if ratio < minimum:
            finding = Finding(name, item["kind"], item["name"], ratio, colour, tuple(background))
            out.setdefault((item["kind"], item["name"], colour, tuple(background)), finding)
    return list(out.values()), len(items)
