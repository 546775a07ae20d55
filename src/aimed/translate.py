"""The French edition: one gettext catalogue per notebook, keyed by the English text.

The English notebooks are the only source. For each translated notebook a PO file,
``translations/fr/<path of the notebook without .ipynb>.po``, holds one entry per
Markdown cell::

    #. cell 3
    msgctxt "915518a3"                    <- the cell's nbformat id: identical cells stay distinct
    msgid "## 1. Tables: one row per patient\\n..."   <- the English cell, verbatim
    msgstr "## 1. Tableaux : une ligne par patient\\n..."

Learner-facing strings of code cells are entries too: the text a cell prints or shows
in a figure (the arguments of ``print``, ``set_title``, ``set_xlabel``... and the
``title=``, ``label=``, ``meaning=``... keywords), one entry per distinct string literal,
``msgctxt "<cell id>/<n>"`` and ``msgid`` the literal as written in the code
(``f"AUROC {auc:.2f}"``); the docstrings of the functions a cell defines too. A French
literal must be a string literal again, with the same ``{placeholders}``
(:func:`check_literal`); otherwise the English one is kept and ``aimed lint`` says why.
Comments are entries of their own, ``msgctxt "<cell id>/#<n>"`` (:func:`code_comments`,
:func:`check_comment`). In nbgrader's answer and test cells only the scaffold around the
solution and the visible tests are concerned (shown strings, docstrings and comments of an
answer's scaffold, comments of a test; never the code): what lies between
``### BEGIN SOLUTION``/``### END SOLUTION`` or the hidden-test markers is not in a student
version and is never translated.

The French notebook is *generated* from the English notebook and the catalogue
(:func:`build_french`): the same cells in the same order, the same code apart from those
string literals, the same cell and notebook metadata (nbgrader metadata and grade_ids
included), and ``metadata.aimed.language = "fr"``, which tells the grader that a
submission is French. Code is therefore never duplicated by hand, and one gradebook
grades either language.

When the English changes, :func:`update_catalogue` (``aimed translations --update``)
adds new cells, keeps the translation of a changed cell but marks it *fuzzy* with the
previous English kept (``#| msgid``) so the translator sees the difference, and drops
cells that no longer exist. :func:`drift_violations`, which ``aimed lint`` runs, fails
for every catalogued notebook whose French is missing, fuzzy or older than its English
cell, naming the notebook and the cell. Notebooks without a catalogue are not lint
failures: :func:`coverage` (``aimed translations``) reports them.

Examples
--------
>>> import nbformat
>>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Title"),
...                                      nbformat.v4.new_code_cell("x = 1")])
>>> [(e.index, e.msgid) for e in extract(nb)]
[(0, '# Title')]
"""

from __future__ import annotations

import ast
import copy
import functools
import io
import re
import tempfile
import tokenize
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import nbformat

if TYPE_CHECKING:  # polib is imported when a catalogue is read: lint needs it only then
    import polib

__all__ = ["LANG", "Coverage", "Entry", "UpdateReport", "build_edition", "build_french",
           "catalogue_path", "check_comment", "check_literal", "code_comments", "code_strings",
           "coverage", "drift_violations", "english_markers", "extract", "french_house_rules",
           "french_prose", "french_typography", "is_french", "to_english", "update_catalogue"]

#: The language of the edition this module builds.
LANG = "fr"
#: Folder of the catalogues, relative to the repository root.
TRANSLATIONS = "translations"
#: The lint rule that :func:`drift_violations` reports.
RULE = "translation-current"

#: French markers of the notebook template, and the English ones the house rules parse.
#: :func:`french_house_rules` maps the first to the second, then runs :mod:`aimed.lint`.
FRENCH_MARKERS: tuple[tuple[str, str], ...] = (
    (r"\*\*Objectifs d'apprentissage\.\*\*", "**Learning objectives.**"),
    (r"\*\*Durée estimée\s*:\s*\*\*", "**Estimated time:**"),
    (r"\*\*Prérequis\s*:\s*\*\*", "**Prerequisites:**"),
    (r"\*\*Données\s*:\s*\*\*", "**Data:**"),
    (r"\*\*Dans le cours\s*:\s*\*\*", "**In the course:**"),
    (r"^(#+)\s+Synthèse\b", r"\1 Summary"),
    (r"^(#+)\s+Pour aller plus loin\b", r"\1 Going further"),
    (r"^(#+)\s+Réflexion\b", r"\1 Reflection"),
    (r"^\*\*Barème\*\*", "**Mark scheme**"),
)


@dataclass(frozen=True)
class Entry:
    """One translatable cell of a notebook.

    Attributes
    ----------
    context : str
        The msgctxt: the cell's nbformat id, or ``cell-<index>`` for a notebook without ids.
    msgid : str
        The English text, verbatim: a Markdown cell, a string literal or a comment.
    index : int
        0-based position of the cell in the notebook.
    kind : str
        ``"markdown"`` (a cell), ``"code"`` (a string a code cell shows) or ``"comment"``.
    """

    context: str
    msgid: str
    index: int
    kind: str = "markdown"


#: Calls whose string arguments a learner reads (printed, or drawn on a figure).
SHOWN_CALLS = frozenset({
    "print", "display_text", "set_title", "set_xlabel", "set_ylabel", "suptitle", "title",
    "xlabel", "ylabel", "text", "annotate", "set_text", "figtext", "self_check", "Markdown",
    "finish"})  # aimed.plotting.finish(ax, title, xlabel, ylabel)
#: Keyword arguments whose string value a learner reads.
SHOWN_KEYWORDS = frozenset({
    "title", "xlabel", "ylabel", "label", "suptitle", "meaning", "hint", "lesson", "text",
    "label_suffix", "colorbar_label", "per", "event",  # survival.say_hazard_ratio
    # the sections of aimed.society.regulation.ModelCard, which the card displays
    "model_details", "intended_use", "out_of_scope_uses", "factors", "metrics",
    "evaluation_data", "training_data", "ethical_considerations",
    "caveats_and_recommendations", "human_oversight"})
_WORD = re.compile(r"[^\W\d_]{2,}")


def _nbgrader_cell(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {}) or {}
    return bool(meta.get("solution") or meta.get("grade") or meta.get("locked")
                or meta.get("task"))


def _cell_role(cell) -> str:
    """``"free"`` (nbgrader does not manage it), ``"answer"`` (an answer's code: the
    scaffold around the solution is the learner's to read) or ``"locked"`` (a test cell,
    or any other cell nbgrader compares with the release)."""
    meta = cell.get("metadata", {}).get("nbgrader", {}) or {}
    if not _nbgrader_cell(cell):
        return "free"
    return "answer" if meta.get("solution") else "locked"


#: Pairs of markers between which the lines are nbgrader's (a solution, hidden tests):
#: the student version does not hold them, so nothing there is translated.
_REGIONS = (("### BEGIN SOLUTION", "### END SOLUTION"),
            ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"))
#: Comments that are tool directives, not prose.
_DIRECTIVE = re.compile(r"#\s*(noqa|type:|pragma|fmt:|ruff:)")


@functools.cache
def _stub_lines() -> frozenset[str]:
    from aimed.stubs import STUBS

    return frozenset(line.strip() for pair in STUBS.values() for text in pair
                     for line in text.splitlines())


def _outside_regions(source: str) -> set[int]:
    """1-based numbers of the lines of ``source`` outside nbgrader's regions, stub lines
    of a student version excluded (they are translated by :mod:`aimed.edition`)."""
    stubs = _stub_lines()
    keep, inside = set(), None
    for number, line in enumerate(source.splitlines(), start=1):
        text = line.strip()
        if inside is None:
            inside = next((end for begin, end in _REGIONS if text.startswith(begin)), None)
            if inside is None and text not in stubs:
                keep.add(number)
        elif text.startswith(inside):
            inside = None
    return keep


class _Span(NamedTuple):
    """A translatable piece of a code cell: ``source[start:end]``, read as ``text``."""

    start: int
    end: int
    text: str
    kind: str  # "code" (a string literal) or "comment"
    indent: int = 0  # column of a block of comment lines


def _char_offsets(source: str) -> list[int]:
    """Offset in ``source`` of the first character of each line (1-based lines)."""
    starts, total = [0, 0], 0
    for line in source.splitlines(keepends=True):
        total += len(line)
        starts.append(total)
    return starts


def _to_char(source_lines: list[str], starts: list[int], line: int, col_bytes: int) -> int:
    text = source_lines[line - 1] if line - 1 < len(source_lines) else ""
    return starts[line] + len(text.encode("utf-8")[:col_bytes].decode("utf-8", "replace"))


def _python(source: str) -> str:
    """``source`` with IPython's ``%magic`` and ``!shell`` lines blanked (same line count)."""
    return "\n".join("" if ln.lstrip().startswith(("%", "!")) else ln
                     for ln in source.splitlines())


def _shown_nodes(tree: ast.AST) -> list[ast.expr]:
    """String nodes a learner reads: arguments of :data:`SHOWN_CALLS`, values of
    :data:`SHOWN_KEYWORDS` and docstrings."""
    nodes = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) \
                and node.body and isinstance(node.body[0], ast.Expr):
            nodes.append(node.body[0].value)
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in SHOWN_CALLS:
            nodes.extend(node.args)
        nodes.extend(k.value for k in node.keywords if k.arg in SHOWN_KEYWORDS)
    return nodes


def _literal_spans(source: str, role: str = "free") -> list[_Span]:
    """The learner-facing string literals of a code cell (none in a locked cell)."""
    if role == "locked":
        return []
    try:
        tree = ast.parse(_python(source))
    except SyntaxError:
        return []
    lines, starts = source.splitlines(keepends=True), _char_offsets(source)
    keep = _outside_regions(source)
    spans = []
    for node in _shown_nodes(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            words = node.value
        elif isinstance(node, ast.JoinedStr):
            words = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
        else:  # lesson={"en": ..., "fr": ...} is bilingual already
            continue
        if not _WORD.search(words) or node.lineno not in keep:
            continue
        start = _to_char(lines, starts, node.lineno, node.col_offset)
        end = _to_char(lines, starts, node.end_lineno, node.end_col_offset)
        spans.append(_Span(start, end, source[start:end], "code"))
    return sorted(set(spans))


def _comment_spans(source: str) -> list[_Span]:
    """The comments of a code cell outside nbgrader's regions: a comment after code is one
    span, consecutive comment lines at one column are one span (a sentence may run over
    several lines), read as their lines without the indentation."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(_python(source)).readline))
    except (tokenize.TokenError, SyntaxError):
        return []
    keep, starts = _outside_regions(source), _char_offsets(source)
    spans: list[_Span] = []
    block: list[tokenize.TokenInfo] = []  # tokenize's columns count characters

    def close() -> None:
        text = "\n".join(t.string.strip() for t in block)
        if block and _WORD.search(text):
            first, last = block[0], block[-1]
            spans.append(_Span(starts[first.start[0]] + first.start[1],
                               starts[last.end[0]] + last.end[1], text, "comment",
                               first.start[1]))
        block.clear()

    for token in tokens:
        if token.type in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
            continue
        own_line = token.type == tokenize.COMMENT and not token.line[:token.start[1]].strip()
        follows = bool(block) and own_line and block[-1].start[0] == token.start[0] - 1 \
            and block[-1].start[1] == token.start[1] \
            and not block[-1].line[:block[-1].start[1]].strip()
        if not follows:
            close()
        if token.type == tokenize.COMMENT and token.start[0] in keep \
                and not _DIRECTIVE.match(token.string):
            block.append(token)
            if not own_line:
                close()
    close()
    return spans


def _spans(source: str, role: str = "free") -> list[_Span]:
    """Every translatable piece of a code cell, literals first, then comments."""
    return _literal_spans(source, role) + _comment_spans(source)


def code_strings(source: str, role: str = "free") -> list[str]:
    """The learner-facing string literals of one code cell, as written, in order, once each.

    ``role`` is the cell's for nbgrader: ``"free"``, ``"answer"`` (docstrings and shown
    strings of the scaffold) or ``"locked"`` (none).

    Examples
    --------
    >>> code_strings('ax.set_title("Risk by age"); print(f"AUROC {auc:.2f}", x); d["age"]')
    ['"Risk by age"', 'f"AUROC {auc:.2f}"']
    """
    return list(dict.fromkeys(span.text for span in _literal_spans(source, role)))


def code_comments(source: str) -> list[str]:
    r"""The comments of one code cell that the French edition translates, once each.

    Examples
    --------
    >>> code_comments("x = 1  # one\n# two lines\n# of prose\ny = 2  # noqa: E501")
    ['# one', '# two lines\n# of prose']
    """
    return list(dict.fromkeys(span.text for span in _comment_spans(source)))


def _placeholders(node: ast.expr) -> Counter:
    return Counter(ast.dump(v) for v in getattr(node, "values", [])
                   if isinstance(v, ast.FormattedValue))


def _literal(text: str) -> ast.expr | None:
    try:
        # parenthesised: an implicit concatenation may span lines, as in the code
        node = ast.parse(f"(\n{text.strip()}\n)", mode="eval").body
    except SyntaxError:
        return None
    if isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant)
                                           and isinstance(node.value, str)):
        return node
    return None


def check_literal(english: str, french: str) -> str | None:
    """Why the French of a code string cannot replace the English one (None if it can).

    The French must be one string literal (an f-string if the English is one) with the
    same placeholders and format specifications, so that the code does the same thing.

    Examples
    --------
    >>> check_literal('f"{n} patients"', 'f"{n} patients·es"') is None
    True
    >>> check_literal('f"{n} patients"', 'f"{m} patients"')
    'uses other {placeholders} than the English'
    """
    en, fr = _literal(english), _literal(french)
    if fr is None or en is None:
        return "is not a Python string literal"
    if type(en) is not type(fr) and _placeholders(en):
        return "is not an f-string like the English"
    if _placeholders(en) != _placeholders(fr):
        return "uses other {placeholders} than the English"
    return None


def check_comment(english: str, french: str) -> str | None:
    """Why the French of a comment cannot replace the English one (None if it can).

    Every line must be a comment (start with ``#``), and a comment written after code
    must stay on one line, so that the code does the same thing.

    Examples
    --------
    >>> check_comment("# the labels", "# les étiquettes") is None
    True
    >>> check_comment("# the labels", "les étiquettes")
    'has a line that does not start with #'
    """
    lines = french.strip().splitlines()
    if not lines or any(not line.strip().startswith("#") for line in lines):
        return "has a line that does not start with #"
    if len(lines) > 1 and "\n" not in english.strip():
        return "has several lines where the English comment has one"
    return None


#: French typography: a no-break space before ``: ; ! ?`` and inside « », so that a line
#: never starts with the sign or the closing guillemet.
NBSP = "\u00a0"
#: What the typography leaves alone: code blocks and spans, maths, links, HTML tags and
#: the ``{placeholders}`` of a code string.
_PROTECTED = re.compile(r"```.*?```|`[^`\n]*`|\$\$.*?\$\$|\$[^$\n]*\$|\]\([^)]*\)"
                        r"|https?://\S+|<[^>\n]*>|\{[^{}\n]*\}", re.S)
_BEFORE_SIGN = re.compile(r"(?<=[^\s(\[{\u00a0]) +([:;!?])(?=[\s\u00a0*_)»\"'.,]|$)", re.M)


def french_typography(text: str) -> str:
    """``text`` with no-break spaces before ``: ; ! ?`` and inside « » (French usage).

    Code spans and blocks, maths, links, HTML tags and ``{placeholders}`` are kept as
    they are; a table's alignment row (``| :--- |``) is not touched.

    Examples
    --------
    >>> french_typography("Durée : 40 min ; « prudence » ! `a : b`") == (
    ...     "Durée\u00a0: 40 min\u00a0; «\u00a0prudence\u00a0»\u00a0! `a : b`")
    True
    """
    out, last = [], 0
    for match in _PROTECTED.finditer(text):
        out.append(_typeset(text[last:match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(_typeset(text[last:]))
    return "".join(out)


def _typeset(prose: str) -> str:
    prose = _BEFORE_SIGN.sub(lambda m: NBSP + m.group(1), prose)
    prose = re.sub(r"« +", "«" + NBSP, prose)
    return re.sub(r"(?<=\S) +»", NBSP + "»", prose)


@dataclass
class UpdateReport:
    """What :func:`update_catalogue` did, as lists of cell contexts."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


class Coverage(NamedTuple):
    """Translated prose cells of one notebook.

    Attributes
    ----------
    translated : int
        Markdown cells whose French is present, not fuzzy and made from the current English.
    total : int
        Markdown cells with text.
    missing : list of int
        0-based indexes of the other cells.
    strings_missing : list of str
        Contexts (``<cell id>/<n>``) of the strings shown by code cells still without
        French (see :func:`code_strings`).
    strings_total : int
        Such strings in the notebook.
    """

    translated: int
    total: int
    missing: list[int]
    strings_missing: tuple[str, ...] = ()
    strings_total: int = 0

    @property
    def complete(self) -> bool:
        """Every prose cell and every shown string is translated."""
        return not self.missing and not self.strings_missing

    @property
    def percent(self) -> float:
        """Share translated, 0-100 (100 for a notebook without prose)."""
        return 100.0 * self.translated / self.total if self.total else 100.0


def _read(nb_or_path) -> nbformat.NotebookNode:
    if isinstance(nb_or_path, nbformat.NotebookNode):
        return nb_or_path
    path = Path(nb_or_path)
    if path.suffix != ".ipynb":
        raise ValueError(f"nb_path must be a .ipynb notebook, got {str(path)!r}")
    return nbformat.read(path, as_version=4)


def extract(nb: nbformat.NotebookNode, *, code: bool = True) -> list[Entry]:
    """The translatable texts of a notebook: Markdown cells, and strings that code shows.

    Parameters
    ----------
    nb : NotebookNode
        An English notebook (nbformat 4).
    code : bool
        Include the learner-facing string literals of the code cells that nbgrader does
        not manage (:func:`code_strings`), as entries of kind ``"code"`` with the context
        ``"<cell id>/<n>"``. Default True.

    Returns
    -------
    list of Entry
        In notebook order. Code itself is never translated: the French edition copies
        it from the English and replaces only those literals.

    Raises
    ------
    ValueError
        If two cells share an id (the catalogue could not tell them apart).
    """
    if not isinstance(nb, nbformat.NotebookNode) or "cells" not in nb:
        raise ValueError("nb must be an nbformat NotebookNode with cells")
    entries: list[Entry] = []
    seen: set[str] = set()
    for i, cell in enumerate(nb.cells):
        context = cell.get("id") or f"cell-{i}"
        if cell.cell_type not in ("markdown", "code") or not cell.source.strip():
            continue
        if context in seen:
            raise ValueError(f"cell {i}: the cell id {context!r} is used twice in the notebook")
        seen.add(context)
        if cell.cell_type == "markdown":
            entries.append(Entry(context, cell.source, i))
        elif code:
            entries.extend(Entry(f"{context}/{n}", text, i, "code")
                           for n, text in enumerate(code_strings(cell.source, _cell_role(cell))))
            entries.extend(Entry(f"{context}/#{n}", text, i, "comment")
                           for n, text in enumerate(code_comments(cell.source)))
    return entries


def catalogue_path(nb_path: Path | str, root: Path | str | None = None,
                   lang: str = LANG) -> Path:
    """Where the catalogue of a notebook lives: ``<root>/translations/<lang>/<rel>.po``.

    Parameters
    ----------
    nb_path : path-like
        A notebook inside ``root``, e.g. ``notebooks/m1-foundations/01-health-data.ipynb``.
    root : path-like, optional
        The repository root (default: :func:`aimed.course.repo_root`).
    lang : str
        Language code (default ``"fr"``).

    Raises
    ------
    ValueError
        If the notebook is not inside ``root``.
    """
    from aimed.course import repo_root

    root = Path(root) if root is not None else repo_root()
    path = Path(nb_path)
    path = path if path.is_absolute() else Path.cwd() / path
    try:
        rel = path.resolve().relative_to(root.resolve())
    except ValueError:
        raise ValueError(f"nb_path {str(nb_path)!r} is not inside the course folder "
                         f"{str(root)!r}") from None
    return root / TRANSLATIONS / lang / rel.with_suffix(".po")


def _polib():
    try:
        import polib
    except ImportError as exc:  # pragma: no cover - a base dependency of aimed
        raise ImportError("the French catalogues need polib: pip install polib"
                          ) from exc
    return polib


def _load(po_path: Path | str) -> polib.POFile:
    polib = _polib()
    path = Path(po_path)
    if path.is_file():
        return polib.pofile(str(path), wrapwidth=78)
    po = polib.POFile(wrapwidth=78)
    po.metadata = {"Project-Id-Version": "aimed", "Language": LANG,
                   "MIME-Version": "1.0", "Content-Type": "text/plain; charset=UTF-8",
                   "Content-Transfer-Encoding": "8bit"}
    return po


def _current(po: polib.POFile) -> dict[str, polib.POEntry]:
    return {e.msgctxt or "": e for e in po if not e.obsolete}


def _is_done(entry: polib.POEntry | None, msgid: str) -> bool:
    if entry is None or entry.msgid != msgid or not entry.msgstr.strip() \
            or "fuzzy" in entry.flags:
        return False
    return _why_not(entry, msgid) is None


def _why_not(entry: polib.POEntry, msgid: str) -> str | None:
    """Why a French code string or comment cannot replace the English (None if it can)."""
    kind = _kind(entry)
    if kind == "code":
        return check_literal(msgid, entry.msgstr)
    if kind == "comment":
        return check_comment(msgid, entry.msgstr)
    return None


def _kind(entry: polib.POEntry | Entry) -> str:
    """``"markdown"``, ``"code"`` (context ``<cell id>/<n>``; cell ids have no slash) or
    ``"comment"`` (context ``<cell id>/#<n>``)."""
    context = (entry.context if isinstance(entry, Entry) else entry.msgctxt) or ""
    if "/" not in context:
        return "markdown"
    return "comment" if context.split("/", 1)[1].startswith("#") else "code"


def _is_code(entry: polib.POEntry | Entry) -> bool:
    """A string or a comment of a code cell, not a Markdown cell."""
    return _kind(entry) != "markdown"


def _lookup(po: polib.POFile, entry: Entry) -> polib.POEntry | None:
    """The catalogue entry of a cell: by its id, else any finished entry of the same text
    (a cell recreated by copy and paste gets a new id but keeps its translation)."""
    found = _current(po).get(entry.context)
    if found is not None and _is_done(found, entry.msgid):
        return found
    for other in po:
        if not other.obsolete and _kind(other) == _kind(entry) \
                and _is_done(other, entry.msgid):
            return other
    return found


def update_catalogue(nb_path: Path | str, po_path: Path | str) -> UpdateReport:
    """Bring a notebook's catalogue in step with its English cells, and write it.

    New cells get an empty translation; a cell whose English changed keeps its French,
    marked ``fuzzy``, with the English it translated kept as ``#| msgid``; entries of
    cells that no longer exist are dropped. Translators' comments are kept, and the
    French gets its no-break spaces (:func:`french_typography`): a translator types
    ordinary spaces.

    Parameters
    ----------
    nb_path : path-like
        The English notebook.
    po_path : path-like
        Its catalogue; created (with its folders) when it does not exist.

    Returns
    -------
    UpdateReport
    """
    polib = _polib()
    nb = _read(nb_path)
    po_path = Path(po_path)
    old = _load(po_path)
    before = _current(old)
    new = polib.POFile(wrapwidth=78)
    new.metadata = old.metadata
    new.header = old.header or (f"French catalogue of {Path(nb_path).name} (aimed). Written by "
                                "`aimed translations --update`: edit the msgstr only.")
    report = UpdateReport()
    for entry in extract(nb):
        prev = before.get(entry.context)
        if prev is None or prev.msgid != entry.msgid:
            reuse = _lookup(old, entry)
            if reuse is not None and reuse.msgid == entry.msgid:
                prev = reuse
        if prev is not None and entry.kind != "markdown" and prev.msgid != entry.msgid:
            prev = None  # a string's context is its rank in the cell: another string, not an edit
        if prev is None:
            item = polib.POEntry(msgctxt=entry.context, msgid=entry.msgid, msgstr="")
            report.added.append(entry.context)
        elif prev.msgid == entry.msgid:
            item = polib.POEntry(msgctxt=entry.context, msgid=entry.msgid,
                                 msgstr=french_typography(prev.msgstr),
                                 tcomment=prev.tcomment, flags=list(prev.flags),
                                 previous_msgid=prev.previous_msgid)
            report.unchanged.append(entry.context)
        else:
            # keep the English that the French translates, even after several changes
            previous = prev.previous_msgid if "fuzzy" in prev.flags and prev.previous_msgid \
                else prev.msgid
            item = polib.POEntry(msgctxt=entry.context, msgid=entry.msgid,
                                 msgstr=french_typography(prev.msgstr),
                                 tcomment=prev.tcomment,
                                 flags=["fuzzy"] if prev.msgstr.strip() else [],
                                 previous_msgid=previous if prev.msgstr.strip() else None)
            report.changed.append(entry.context)
        item.comment = f"cell {entry.index}" + _NOTES.get(entry.kind, "")
        new.append(item)
    seen = {e.context for e in extract(nb)}
    report.removed = [c for c in before if c not in seen]
    po_path.parent.mkdir(parents=True, exist_ok=True)
    new.save(str(po_path))
    return report


#: What the catalogue tells the translator of each kind of entry.
_NOTES = {"code": ", a string in the code: keep it a Python literal with the same "
                  "{placeholders}",
          "comment": ", a comment in the code: every line starts with #"}


def build_french(nb_path: Path | str, po_path: Path | str) -> nbformat.NotebookNode:
    """The French notebook: the English one with each Markdown cell replaced by its msgstr.

    Code and raw cells, cell ids, cell metadata (nbgrader's included) and notebook
    metadata are copied unchanged. A cell whose translation is missing, fuzzy or made
    from older English stays in English (:func:`coverage` and ``aimed lint`` report it).

    Parameters
    ----------
    nb_path : path-like
        The English notebook.
    po_path : path-like
        Its catalogue.

    Raises
    ------
    FileNotFoundError
        If the catalogue does not exist.
    """
    if not Path(po_path).is_file():
        raise FileNotFoundError(f"no catalogue at {po_path}; run `aimed translations "
                                f"--update {nb_path}` first")
    nb = copy.deepcopy(_read(nb_path))
    po = _load(po_path)
    strings: dict[int, dict[str, str]] = {}
    for entry in extract(nb):
        found = _lookup(po, entry)
        if not _is_done(found, entry.msgid):
            continue
        if entry.kind != "markdown":
            strings.setdefault(entry.index, {})[entry.msgid] = found.msgstr.strip()
        else:
            nb.cells[entry.index].source = found.msgstr
    for index, french in strings.items():
        cell = nb.cells[index]
        cell.source = _replace_spans(cell.source, french, _cell_role(cell))
    nb.metadata.setdefault("aimed", {})["language"] = LANG
    return nb


def _replace_spans(source: str, new: dict[str, str], role: str) -> str:
    """``source`` with each translatable literal or comment found in ``new`` replaced (the
    lines of a block of comments take the block's indentation)."""
    for span in sorted(_spans(source, role), reverse=True):
        if span.text in new:
            text = ("\n" + " " * span.indent).join(
                line.strip() for line in new[span.text].splitlines()) \
                if span.kind == "comment" else new[span.text]
            source = source[:span.start] + text + source[span.end:]
    return source


def french_prose(po_path: Path | str) -> dict[str, str]:
    """Cell id -> French Markdown of every translated prose cell of a catalogue."""
    return {context: entry.msgstr for context, entry in _current(_load(po_path)).items()
            if context and not _is_code(entry) and entry.msgstr}


def is_french(nb: nbformat.NotebookNode) -> bool:
    """Whether a notebook was generated by :func:`build_french` (its metadata says so)."""
    return (nb.get("metadata", {}).get("aimed", {}) or {}).get("language") == LANG


def to_english(nb: nbformat.NotebookNode, po_path: Path | str) -> nbformat.NotebookNode:
    """Map a French notebook (a learner's submission, say) back to the English cells.

    Every Markdown cell whose text is, unchanged, the French of a catalogue entry with the
    same cell id gets the entry's English back, and so does every French comment of a code
    cell outside the answers; a learner's answers (code and written) are kept as they are,
    and so are the strings of code cells (no locked cell has any). nbgrader and
    :mod:`aimed.grading.integrity` compare locked cells with the English release, so a
    French submission is graded through this mapping and its locked French cells (mark
    schemes, the comments of a test cell) are not mistaken for tampering.

    Parameters
    ----------
    nb : NotebookNode
        A notebook built by :func:`build_french`, possibly edited by a learner.
    po_path : path-like
        The catalogue it was built from.

    Returns
    -------
    NotebookNode
        A copy; ``nb`` is not modified.
    """
    if not isinstance(nb, nbformat.NotebookNode) or "cells" not in nb:
        raise ValueError("nb must be an nbformat NotebookNode with cells")
    if not Path(po_path).is_file():
        raise FileNotFoundError(f"no catalogue at {po_path}")
    by_context = _current(_load(po_path))
    out = copy.deepcopy(nb)
    out.metadata.get("aimed", {}).pop("language", None)
    if "aimed" in out.metadata and not out.metadata["aimed"]:
        del out.metadata["aimed"]
    code: dict[str, dict[str, str]] = {}  # cell id -> French comment -> English
    for context, entry in by_context.items():
        if _kind(entry) == "comment" and entry.msgstr.strip():
            code.setdefault(context.split("/")[0], {})[entry.msgstr.strip()] = entry.msgid
    for cell in out.cells:
        cell_id = cell.get("id") or ""
        entry = by_context.get(cell_id)
        if (cell.cell_type == "markdown" and entry is not None and entry.msgstr
                and cell.source == entry.msgstr):
            cell.source = entry.msgid
        elif cell.cell_type == "code" and cell_id in code and _cell_role(cell) != "answer":
            cell.source = _replace_spans(cell.source, code[cell_id], _cell_role(cell))
    return out


def coverage(nb_path: Path | str, po_path: Path | str) -> Coverage:
    """How many prose (Markdown) cells of a notebook have a current French translation.

    Parameters
    ----------
    nb_path : path-like
        The English notebook.
    po_path : path-like
        Its catalogue (a missing file counts every cell as missing).

    Returns
    -------
    Coverage
        ``(translated, total, missing cell indexes)``.
    """
    entries = extract(_read(nb_path))
    po = _load(po_path)
    todo = [e for e in entries if not _is_done(_lookup(po, e), e.msgid)]
    prose = [e for e in entries if e.kind == "markdown"]
    missing = [e.index for e in todo if e.kind == "markdown"]
    return Coverage(len(prose) - len(missing), len(prose), missing,
                    tuple(e.context for e in todo if e.kind != "markdown"),
                    len(entries) - len(prose))


def drift_violations(nb_path: Path | str, *, label: str | None = None,
                     root: Path | str | None = None) -> list:
    """Lint findings of a notebook that has a French catalogue (none if it has no catalogue).

    One finding per Markdown cell whose French translation is missing, marked fuzzy, or
    made from English that has changed since (``aimed translations --update`` then marks
    it fuzzy for the translator).

    Parameters
    ----------
    nb_path : path-like
        The English notebook.
    label : str, optional
        How to name the notebook in messages.
    root : path-like, optional
        The repository root (default :func:`aimed.course.repo_root`).

    Returns
    -------
    list of aimed.lint.Violation
    """
    from aimed.lint import Violation

    try:
        po_path = catalogue_path(nb_path, root)
    except ValueError:
        return []
    if not po_path.is_file():
        return []
    name = label or str(nb_path)
    try:
        entries = extract(_read(nb_path))
        po = _load(po_path)
    except (OSError, ValueError) as exc:
        return [Violation(name, RULE, f"cannot read the notebook or {po_path.name}: {exc}")]
    out = []
    for entry in entries:
        found = _lookup(po, entry)
        if _is_done(found, entry.msgid):
            continue
        what = (f"Markdown cell {entry.context!r}" if entry.kind == "markdown" else
                f"{'Comment' if entry.kind == 'comment' else 'String'} {entry.msgid[:40]!r} "
                f"of code cell {entry.context.split('/')[0]!r}")
        if found is None:
            why = "has no entry in the French catalogue (run `aimed translations --update`)"
        elif found.msgid != entry.msgid:
            why = ("changed in English since it was translated (run `aimed translations "
                   "--update`, then revise the French and remove the fuzzy flag)")
        elif "fuzzy" in found.flags:
            why = "has a French translation marked fuzzy: review it and remove the flag"
        elif not found.msgstr.strip():
            why = "has no French translation (empty msgstr)"
        else:
            why = f"has a French translation that {_why_not(found, entry.msgid)}"
        out.append(Violation(name, RULE, f"{what} {why}", entry.index))
    return out


def english_markers(markdown: str) -> str:
    """French Markdown with the template's markers in English (:data:`FRENCH_MARKERS`), as
    :mod:`aimed.lint` and :func:`aimed.course.parse_opening` read them.

    Examples
    --------
    >>> english_markers("**Durée estimée :** 40 min")
    '**Estimated time:** 40 min'
    """
    for pattern, english in FRENCH_MARKERS:
        markdown = re.sub(pattern, english, markdown, flags=re.MULTILINE)
    return markdown


def french_house_rules(nb: nbformat.NotebookNode, *, label: str = "french notebook") -> list:
    """Run the house rules of :mod:`aimed.lint` on a generated French notebook.

    The template's French markers (``**Durée estimée :**``, ``## Synthèse`` ...) are
    mapped to the English ones that the rules parse (:data:`FRENCH_MARKERS`); every other
    rule runs on the notebook as it is.

    Returns
    -------
    list of aimed.lint.Violation
    """
    from aimed.lint import check_notebook, release_violations

    probe = copy.deepcopy(nb)
    for cell in probe.cells:
        if cell.cell_type == "markdown":
            cell.source = english_markers(cell.source)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "notebook.ipynb"
        nbformat.write(probe, path)
        return check_notebook(path, label=label) + release_violations(probe.cells, label)


def build_edition(dest: Path | str, root: Path | str | None = None,
                  notebooks: list[Path] | None = None) -> list[Path]:
    """Write the French notebooks of every catalogued notebook under ``dest``.

    The French edition keeps the English layout (``dest/notebooks/m1-foundations/...``),
    so that relative links (``../../README.md``, the previous lesson) and nbgrader's
    assignment and notebook names are the same in both languages.

    Parameters
    ----------
    dest : path-like
        The folder to write (created when needed).
    root : path-like, optional
        The repository root (default :func:`aimed.course.repo_root`).
    notebooks : list of Path, optional
        English notebooks (default: every lesson and exercise).

    Returns
    -------
    list of Path
        The French notebooks written.
    """
    from aimed.course import exercise_notebooks, lesson_notebooks, repo_root

    root = Path(root) if root is not None else repo_root()
    dest = Path(dest)
    if notebooks is None:
        notebooks = lesson_notebooks(root) + exercise_notebooks(root)
    written = []
    for path in notebooks:
        po_path = catalogue_path(path, root)
        if not po_path.is_file():
            continue
        out = dest / Path(path).resolve().relative_to(root.resolve())
        out.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(build_french(path, po_path), out)
        written.append(out)
    return written
