"""Reading a typed expression safely: ``ast.parse(mode="eval")`` and a whitelist, never run.

Limits are checked first (length, then parts and nesting), before the tree is walked; every
refused construct is an ``ExpressionError`` (a ``ValueError``) naming the problem and its column.
``backprop_core.graph`` builds the graph from the checked tree.
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass

MAX_LENGTH = 300  # characters of a typed expression
MAX_NODES = 200  # nodes of a typed expression's syntax tree
MAX_DEPTH = 100  # nesting of a typed expression (a + b + c + ... nests one level per +)
FUNCTIONS = ("exp", "log", "tanh", "sigmoid", "relu")
# names the PyTorch script of an expression uses itself (backprop_core.pytorch.graph)
RESERVED = frozenset({"torch", "json", "print", "float", "as_list", "walk", "result"})
BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_ASSIGNED = re.compile(r"([A-Za-z][A-Za-z0-9_]*)\s*=(?!=)\s*")


class ExpressionError(ValueError):
    """A typed expression that cannot be used: ``problem`` (prose, no learner text), ``column``
    (1-based, or None) and ``snippet`` (the piece of the learner's text, or "")."""

    def __init__(self, problem: str, column: int | None = None, snippet: str = "") -> None:
        self.problem, self.column, self.snippet = problem, column, snippet
        where = f" at column {column}" if column is not None else ""
        what = f": `{snippet}`" if snippet else ""
        super().__init__(f"{problem}{where}{what}")


@dataclass(frozen=True)
class Parsed:
    """A checked expression: ``tree`` (whitelisted ``ast.Expression``), the ``names`` in order of
    first use, ``output`` (the name before ``=``, default ``"L"``) and ``offset`` (characters of the
    text before the expression, for columns)."""

    text: str
    tree: ast.Expression
    names: tuple[str, ...]
    output: str
    offset: int


def parse(expression: str) -> Parsed:
    """Check a typed expression, ``L = (y - w*x)**2`` or ``(y - w*x)**2``, without running it.

    Limits first (length, then nodes and depth), before any tree is walked; then every node type
    against the whitelist. ``ExpressionError`` (a ``ValueError``) names the problem and its column.
    """
    if not isinstance(expression, str):
        raise ExpressionError("the expression must be text")
    if len(expression) > MAX_LENGTH:
        raise ExpressionError(
            f"the expression is {len(expression)} characters long; the limit is {MAX_LENGTH}"
        )
    if "\n" in expression or "\r" in expression:
        raise ExpressionError("the expression must be on one line", expression.find("\n") + 1)
    body = expression.lstrip()
    output = "L"
    if m := _ASSIGNED.match(body):
        output, body = m.group(1), body[m.end() :]
    offset = len(expression) - len(body)
    if not body.strip():
        raise ExpressionError("there is no expression to read", offset + 1 if body else None)
    try:
        tree = ast.parse(body, mode="eval")
    except SyntaxError as e:
        col = offset + _char_column(body, e.offset - 1 if e.offset else 0) + 1
        raise ExpressionError("the expression is incomplete or not well formed here", col) from None
    except (ValueError, RecursionError, MemoryError):
        raise ExpressionError("the expression cannot be read") from None
    _check_size(tree.body)
    checker = Checker(body, offset)
    checker.visit(tree.body)
    if output in checker.names or output in RESERVED:
        raise ExpressionError("the result's name (before =) must differ from the names it uses", 1, output)
    return Parsed(expression, tree, tuple(checker.names), output, offset)


def _char_column(text: str, byte_offset: int) -> int:
    """ast counts columns in UTF-8 bytes; the learner counts characters."""
    return len(text.encode()[:byte_offset].decode(errors="ignore"))


def _check_size(root: ast.AST) -> None:
    """Node count and nesting depth, measured without recursion."""
    count, stack = 0, [(root, 1)]
    while stack:
        node, depth = stack.pop()
        count += isinstance(node, ast.expr)  # operator and context markers are not parts
        if count > MAX_NODES:
            raise ExpressionError(f"the expression has more than {MAX_NODES} parts; the limit is {MAX_NODES}")
        if depth > MAX_DEPTH:
            raise ExpressionError(f"the expression is nested more than {MAX_DEPTH} levels deep")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


_REFUSED: dict[type, str] = {
    ast.Attribute: "attribute access (a dot after a value) is not allowed",
    ast.Subscript: "subscripts (square brackets) are not allowed",
    ast.Lambda: "lambda is not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions are not allowed",
    ast.JoinedStr: "f-strings are not allowed",
    ast.NamedExpr: "the walrus operator := is not allowed",
    ast.Compare: "comparisons are not allowed",
    ast.BoolOp: "and / or are not allowed",
    ast.IfExp: "if-else is not allowed",
    ast.Tuple: "only one expression is allowed (no commas)",
    ast.List: "lists are not allowed",
    ast.Dict: "dictionaries are not allowed",
    ast.Set: "sets are not allowed",
    ast.Starred: "starred expressions are not allowed",
    ast.Await: "await is not allowed",
}


class Checker:
    """The whitelist walk: every node must be a number, a name, an allowed operator or call."""

    def __init__(self, text: str, offset: int) -> None:
        self.text, self.offset = text, offset
        self.names: list[str] = []

    def fail(self, problem: str, node: ast.AST) -> None:
        col = self.offset + _char_column(self.text, node.col_offset) + 1
        snippet = ast.get_source_segment(self.text, node) or ""
        raise ExpressionError(problem, col, snippet if len(snippet) <= 40 else snippet[:37] + "...")

    def visit(self, node: ast.AST, exponent: bool = False) -> None:
        if isinstance(node, ast.Constant):
            self.check_number(node)
        elif isinstance(node, ast.Name):
            if exponent:
                self.fail("the exponent of ** must be a number (like 2, -1 or 0.5), not use a name", node)
            self.check_name(node)
        elif isinstance(node, ast.BinOp):
            if type(node.op) not in BINOPS:
                self.fail("only the operators + - * / and ** are allowed", node)
            self.visit(node.left, exponent)
            self.visit(node.right, exponent or isinstance(node.op, ast.Pow))
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, ast.USub | ast.UAdd):
                self.fail("only unary minus (and plus) is allowed", node)
            self.visit(node.operand, exponent)
        elif isinstance(node, ast.Call):
            self.check_call(node, exponent)
        else:
            self.fail(_REFUSED.get(type(node), "this kind of expression is not allowed"), node)

    def check_number(self, node: ast.Constant) -> None:
        v = node.value
        if isinstance(v, str | bytes):
            self.fail("strings are not allowed", node)
        if isinstance(v, bool) or v is None or v is Ellipsis:
            self.fail("True, False, None and ... are not numbers", node)
        if isinstance(v, complex):
            self.fail("complex numbers are not allowed", node)
        try:
            if not math.isfinite(float(v)):
                self.fail("this number is too large for float64", node)
        except OverflowError:
            self.fail("this number is too large for float64", node)

    def check_name(self, node: ast.Name) -> None:
        name = node.id
        if name.startswith("_"):
            self.fail("names may not start with an underscore", node)
        if name in FUNCTIONS:
            self.fail("a function name is used as a value (call it: exp(x))", node)
        if name in RESERVED:
            self.fail(f"this name is reserved (not allowed: {', '.join(sorted(RESERVED))})", node)
        if len(name) > 24:
            self.fail("names are limited to 24 characters", node)
        if name not in self.names:
            self.names.append(name)

    def check_call(self, node: ast.Call, exponent: bool) -> None:
        if not (isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS):
            self.fail(f"only the functions {', '.join(FUNCTIONS)} can be called", node)
        if node.keywords:
            self.fail("keyword arguments are not allowed", node)
        if len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            self.fail(f"{node.func.id}() takes exactly one argument", node)
        self.visit(node.args[0], exponent)


def named_nodes(tree: ast.AST) -> frozenset[int]:
    """The ids of the sub-expressions of a checked tree that use a name (a called function's name
    does not count)."""
    marked: set[int] = set()

    def mark(node: ast.AST) -> bool:
        if isinstance(node, ast.Expression):
            has = mark(node.body)
        elif isinstance(node, ast.Name):
            has = True
        elif isinstance(node, ast.BinOp):
            has = mark(node.left) | mark(node.right)  # both sides: no short-circuit
        elif isinstance(node, ast.UnaryOp):
            has = mark(node.operand)
        elif isinstance(node, ast.Call):
            has = mark(node.args[0])
        else:
            has = False
        if has:
            marked.add(id(node))
        return has

    mark(tree)
    return frozenset(marked)
