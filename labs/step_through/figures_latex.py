"""An equation of the step-through page as one line of LaTeX (what tests and exports read) and, when
long, the same equation broken across lines for the page (a KaTeX ``aligned`` block): one right-hand
side per line, at most ``TERMS_PER_LINE`` terms of a sum per line. The numbers are the same in both.
"""

from __future__ import annotations

from dataclasses import dataclass

# a long equation is shown broken across lines, at most this many terms of a sum on a line, so that it
# fits the page's main column on a laptop (1280 px wide, sidebar open)
TERMS_PER_LINE = 3
BREAK_AFTER = 110  # characters of LaTeX source: a shorter equation stays on one line
ROW_CHARS = 70  # characters of LaTeX source in one line of a sum (two products of two numbers fit)


@dataclass(frozen=True)
class Equation:
    """``latex``: the whole equation on one line; ``lines``: the same equation for the page, one
    right-hand side per line (empty when it is short enough for one line)."""

    latex: str
    note: str = ""
    lines: tuple[str, ...] = ()

    @property
    def display(self) -> str:
        """What the page renders: ``latex``, or ``lines`` in a KaTeX ``aligned`` block."""
        if not self.lines:
            return self.latex
        return r"\begin{aligned}" + r" \\ ".join(self.lines) + r"\end{aligned}"


@dataclass(frozen=True)
class Terms:
    """A sum of ``terms`` written ``prefix t1 + t2 + ... suffix``: on several lines when the equation
    is, each of at most ``TERMS_PER_LINE`` terms and ``ROW_CHARS`` characters (one term at least)."""

    terms: tuple[str, ...]
    prefix: str = ""
    suffix: str = ""

    def flat(self) -> str:
        return self.prefix + " + ".join(self.terms) + self.suffix

    def rows(self) -> list[str]:
        chunks: list[list[str]] = []
        for term in self.terms:
            row = chunks[-1] if chunks else None
            if row and len(row) < TERMS_PER_LINE and len(" + ".join([*row, term])) <= ROW_CHARS:
                row.append(term)
            else:
                chunks.append([term])
        rows = [" + ".join(c) for c in chunks] or [""]
        rows[0] = self.prefix + rows[0]
        rows[-1] += self.suffix
        return rows


def equation(note: str, lhs: str, *sides: str | Terms) -> Equation:
    """``lhs = side1 = side2 = ...``: one line in ``latex``; when that is longer than ``BREAK_AFTER``,
    ``lines`` puts each side on a line of its own (a sum ``Terms`` on several), aligned at the ``=``.
    The numbers are the same in both."""
    flat = " = ".join([lhs, *(s.flat() if isinstance(s, Terms) else s for s in sides)])
    if len(flat) <= BREAK_AFTER:
        return Equation(flat, note)
    # each side starts "= ..."; a sum too long for one line starts a line, its later rows "+ ..." too;
    # a short side joins the line before it when the two fit together
    segments = []
    for side in sides:
        rows = side.rows() if isinstance(side, Terms) else [side]
        segments.append((f"= {rows[0]}", len(rows) > 1))
        segments.extend((rf"\quad + {row}", True) for row in rows[1:])
    lines = [f"{lhs} &{segments[0][0]}"]
    for text, own_line in segments[1:]:
        if own_line or len(lines[-1]) + len(text) > BREAK_AFTER:
            lines.append(f"&{text}")
        else:
            lines[-1] += f" {text}"
    return Equation(flat, note, tuple(lines))
