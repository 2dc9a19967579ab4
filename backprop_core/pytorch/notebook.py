"""A Jupyter notebook for teachers: the example's numbers from the page beside the PyTorch cells.

Built with ``nbformat`` (never JSON by hand). The notebook holds the page's numbers as a
dict, the PyTorch script as code cells, and a cell that compares the two: a homework starter.
"""

from __future__ import annotations

from collections.abc import Sequence

import nbformat
from nbformat import v4

from .common import CompareRow, float_literal


def make_notebook(title: str, intro: str, script: str, rows: Sequence[CompareRow]) -> str:
    """The notebook as ``.ipynb`` text: intro, the page's numbers, the script, a comparison cell."""
    entries = "".join(f"    {r.quantity!r}: {float_literal(r.value)},\n" for r in rows)
    page_numbers = "page = {\n" + entries + "}"
    pairs = "".join(f"    {r.quantity!r}: float({r.pytorch}),\n" for r in rows)
    checks = (
        "# each quantity: the page's number, PyTorch's, and how far apart they are\n"
        "pytorch = {\n" + pairs + "}\n"
        "for name, value in pytorch.items():\n"
        '    print(f"{name:>28}  page {page[name]: .12g}  PyTorch {value: .12g}  '
        'difference {value - page[name]: .1e}")'
    )
    cells = [
        v4.new_markdown_cell(f"# {title}\n\n{intro}"),
        v4.new_markdown_cell("## The numbers Backprop Lab showed\nComputed by the lab's numpy engine."),
        v4.new_code_cell(page_numbers),
        v4.new_markdown_cell("## The same step in PyTorch\nRun this cell (PyTorch must be installed)."),
        v4.new_code_cell(script),
        v4.new_markdown_cell("## Do they agree?"),
        v4.new_code_cell(checks),
        v4.new_markdown_cell(
            "## Your turn\nChange one number in the PyTorch cell (a weight, the learning rate or a target). "
            "Before you run it, predict which of the printed numbers change and in which direction."
        ),
    ]
    kernel = {"kernelspec": {"name": "python3", "display_name": "Python 3"}}
    nb = v4.new_notebook(cells=cells, metadata=kernel)
    return nbformat.writes(nb)
