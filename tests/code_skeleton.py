"""What must not differ between the English and French editions of a code cell."""

from __future__ import annotations

import ast


def skeleton(source: str) -> str:
    """The syntax tree of ``source`` with every string constant blanked: what the code
    does, without the words it shows (comments are not in a syntax tree either)."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            node.value = ""
        elif isinstance(node, ast.JoinedStr):
            node.values = [v for v in node.values if isinstance(v, ast.FormattedValue)]
    return ast.dump(tree)
