"""Static scan of student code before it runs: what reaches into the grading machinery.

:func:`scan_source` parses one code cell (IPython magics and shell escapes included)
with :mod:`ast` and returns :class:`Finding` objects. Each finding becomes a flag for
human review; it never changes a score. The rules aim at code a learner has no reason
to write in a graded exercise:

========================  ===============================================================
rule                      what it catches
========================  ===============================================================
``ipython-internals``     ``get_ipython()`` transformers, ``run_cell``, ``showtraceback``,
                          ``set_custom_exc``, events, the kernel object; IPython imports
                          other than ``IPython.display``
``magic``                 ``%run``, ``%load``, ``%%writefile``, ``%%bash``... and ``!`` shell
``comparison-dunder``     classes defining ``__eq__``, ``__bool__``, ``__float__``,
                          ``__array_ufunc__``, ``__class__``... (look-alike answers)
``monkeypatch``           rebinding attributes of imported modules or their objects
                          (``numpy``, ``pandas``, ``math``, ``builtins``, ``aimed``...),
                          ``setattr``/``delattr`` on them, ``__builtins__``
``shadow-builtin``        a function or class named like a built-in (``def len(...)``)
``sys-internals``         ``sys.modules``, ``sys._getframe``, ``sys.settrace``, import hooks
``process``               ``os._exit``, ``os.kill``, ``os.fork``, ``os.system``,
                          ``subprocess``, ``signal``, ``multiprocessing``
``dynamic-code``          ``exec``, ``eval``, ``compile``, ``__import__``,
                          ``importlib.reload``, ``runpy`` (noting file contents)
``introspection``         ``gc``, ``inspect``, ``ctypes``, frames, code objects, closures
``filesystem``            paths outside the notebook's folder (absolute, ``..``, ``~``),
                          directory walks with such or computed paths, ``os.chdir``,
                          notebook and gradebook files
``network``               sockets, HTTP clients
========================  ===============================================================
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

__all__ = ["RULES", "Finding", "scan_source"]

RULES: dict[str, str] = {
    "ipython-internals": "reaches into IPython's execution machinery",
    "magic": "runs a magic or shell command that can reach other files",
    "comparison-dunder": "defines a comparison or conversion method (look-alike answer)",
    "monkeypatch": "rebinds an attribute of an imported module or object",
    "shadow-builtin": "defines a function or class named like a built-in",
    "sys-internals": "touches interpreter internals",
    "process": "controls processes or signals",
    "dynamic-code": "executes code built at run time",
    "introspection": "inspects or modifies frames, code objects or memory",
    "filesystem": "reads or walks files outside the notebook's folder",
    "network": "opens network connections",
    "syntax": "could not be parsed",
}

_DUNDERS = {
    "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__bool__", "__float__",
    "__int__", "__index__", "__complex__", "__abs__", "__round__", "__hash__", "__len__",
    "__array__", "__array_ufunc__", "__array_function__", "__array_priority__",
    "__array_interface__", "__array_struct__", "__instancecheck__", "__subclasscheck__",
    "__class__", "__getattribute__", "__getattr__", "__del__", "__sub__", "__rsub__",
    "__truediv__", "__rtruediv__", "__contains__", "__iter__", "__getitem__",
    "__init_subclass__", "__set_name__",
}
#: Attribute names that only IPython's internals use.
_IPYTHON_ATTRS = {
    "input_transformers_cleanup", "input_transformers_post", "input_transformer_manager",
    "ast_transformers", "run_cell", "run_cell_async", "run_code", "run_ast_nodes",
    "transform_cell", "transform_ast", "showtraceback", "showsyntaxerror", "set_custom_exc",
    "custom_exceptions", "CustomTB", "InteractiveTB", "shell_handlers", "do_execute",
    "execute_request", "builtin_trap", "user_expressions", "payload_manager",
    "register_magic_function", "register_magics", "cleanup_transforms", "line_transforms",
    "token_transformers",
}
#: On ``get_ipython()`` these are allowed (magics dispatch; each magic is checked).
_IPYTHON_ALLOWED = {"run_line_magic", "run_cell_magic", "user_ns"}
_MAGICS = {"run", "load", "loadpy", "writefile", "file", "sx", "system", "sc", "bash", "sh",
           "script", "python", "python2", "python3", "perl", "ruby", "alias", "macro", "store",
           "edit", "debug", "pdb", "reset", "config", "load_ext", "reload_ext", "env", "cd",
           "pushd", "popd", "bookmark", "dhist", "killbgscripts", "autoawait", "xmode",
           "capture"}
_SHADOWED = {"len", "float", "int", "abs", "isinstance", "issubclass", "type", "round", "sum",
             "min", "max", "sorted", "all", "any", "range", "list", "tuple", "dict", "set",
             "str", "bool", "repr", "print", "zip", "enumerate", "map", "filter", "getattr",
             "hasattr", "iter", "next", "callable", "object", "super", "vars", "id", "hash",
             "format", "AssertionError", "Exception", "NotImplementedError", "ValueError",
             "TypeError", "open", "__import__", "globals", "locals", "exec", "eval"}
_SYS_ATTRS = {"modules", "_getframe", "settrace", "setprofile", "addaudithook", "meta_path",
              "path_hooks", "path_importer_cache", "displayhook", "excepthook",
              "__displayhook__", "__excepthook__", "setrecursionlimit", "_current_frames"}
_OS_PROCESS = {"_exit", "kill", "killpg", "abort", "fork", "forkpty", "system", "popen",
               "execv", "execve", "execl", "execle", "execlp", "execlpe", "execvp", "execvpe",
               "spawnl", "spawnle", "spawnlp", "spawnlpe", "spawnv", "spawnve", "spawnvp",
               "spawnvpe", "posix_spawn", "posix_spawnp", "setsid", "setuid", "setgid",
               "setpgid", "chroot", "unshare", "setns", "pidfd_open", "register_at_fork"}
_PROCESS_MODULES = {"subprocess", "signal", "multiprocessing", "pty", "resource", "threading",
                    "_thread", "concurrent", "asyncio.subprocess"}
_INTROSPECTION_MODULES = {"gc", "inspect", "ctypes", "_ctypes", "cffi", "dis", "marshal",
                          "code", "codeop", "pdb", "bdb", "faulthandler", "tracemalloc",
                          "sys.monitoring", "_testcapi", "IPython.core", "ipykernel",
                          "jupyter_client", "nbclient", "nbgrader", "traitlets", "zmq"}
_INTROSPECTION_ATTRS = {"__code__", "__globals__", "__closure__", "__builtins__", "f_globals",
                        "f_locals", "f_back", "f_builtins", "f_code", "f_trace", "tb_frame",
                        "tb_next", "gi_frame", "cr_frame", "ag_frame", "co_code", "co_consts",
                        "__subclasses__", "__bases__", "__mro__", "__dict__", "__self__",
                        "__func__", "__wrapped__", "cell_contents", "__defaults__",
                        "__kwdefaults__"}
_NETWORK_MODULES = {"socket", "ssl", "urllib", "http", "requests", "httpx", "aiohttp",
                    "ftplib", "smtplib", "telnetlib", "xmlrpc", "websocket", "websockets",
                    "paramiko", "zmq"}
_DYNAMIC = {"exec", "eval", "compile", "__import__", "execfile", "breakpoint"}
_WALKS = {"walk", "listdir", "scandir", "glob", "iglob", "rglob", "iterdir", "chdir",
          "fwalk", "expanduser", "home", "walk_tree"}
_KNOWN_ROOTS = ("etc", "proc", "sys", "dev", "home", "root", "tmp", "usr", "var", "mnt", "opt",
                "srv", "work", "run", "boot", "lib", "bin", "Users", "media", "builds")
_PATHISH = re.compile(r"^(?:~|\.\.(?:/|$)|/[A-Za-z_.][\w.@+-]*(?:/|$))")
_COURSE_DIRS = r"(?:exercises|autograded|submitted|source|release|feedback)"
_SENSITIVE = re.compile(
    r"\.ipynb\b|gradebook|\.sqlite\b|\.db\b|nbgrader|"
    rf"(?:^|/){_COURSE_DIRS}/|/{_COURSE_DIRS}(?:/|$)|\.git(?:/|$)|/proc/|/etc/", re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    """One suspicious construct in a cell.

    Attributes
    ----------
    rule : str
        A key of :data:`RULES`.
    line : int
        1-based line in the cell (after IPython syntax is turned into Python).
    detail : str
        What exactly was found, e.g. ``"numpy.isclose = ..."``.
    """

    rule: str
    line: int
    detail: str

    def reason(self) -> str:
        """The flag text: rule, explanation, detail and line."""
        return f"static scan [{self.rule}]: {RULES[self.rule]}: {self.detail} (line {self.line})"


def _to_python(source: str) -> str:
    """Turn IPython syntax (magics, ``!shell``) into plain Python, as IPython does."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # pragma: no cover - IPython ships with the kernel
        return source
    try:
        return TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001 - a malformed cell is scanned as written
        return source


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    if isinstance(node, ast.Call) and _dotted(node.func) in ("get_ipython", "IPython.get_ipython"):
        parts.append("get_ipython()")
        return ".".join(reversed(parts))
    return None


class _Scanner(ast.NodeVisitor):
    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self.aliases: dict[str, str] = {}  # local name -> imported dotted name
        self.ipython: set[str] = set()  # names bound to get_ipython()

    def add(self, rule: str, node: ast.AST, detail: str) -> None:
        self.findings.append(Finding(rule, getattr(node, "lineno", 0), detail))

    # ------------------------------------------------------------------ names

    def resolve(self, node: ast.AST) -> str | None:
        """The imported dotted name an expression refers to, if any."""
        dotted = _dotted(node)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        if head in self.ipython:
            return "get_ipython()" + ("." + rest if rest else "")
        if head == "get_ipython()":
            return dotted
        if head in self.aliases:
            return self.aliases[head] + ("." + rest if rest else "")
        if head in ("__builtins__",):
            return dotted
        return None

    def _module_check(self, module: str, node: ast.AST) -> None:
        top = module.split(".")[0]
        if module == "IPython" or (top == "IPython" and not module.startswith("IPython.display")):
            self.add("ipython-internals", node, f"imports {module}")
        if top in _PROCESS_MODULES or module in _PROCESS_MODULES:
            self.add("process", node, f"imports {module}")
        if top in _INTROSPECTION_MODULES or module in _INTROSPECTION_MODULES:
            self.add("introspection", node, f"imports {module}")
        if top in _NETWORK_MODULES:
            self.add("network", node, f"imports {module}")
        if top in ("runpy", "imp", "importlib") and module != "importlib.resources":
            self.add("dynamic-code", node, f"imports {module}")
        if top in ("builtins", "__builtin__"):
            self.add("monkeypatch", node, f"imports {module}")

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._module_check(alias.name, node)
            local = alias.asname or alias.name.split(".")[0]
            self.aliases[local] = alias.name if alias.asname else alias.name.split(".")[0]
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = "." * node.level + (node.module or "")
        self._module_check(module, node)
        for alias in node.names:
            full = f"{module}.{alias.name}"
            self._module_check(full, node)
            self.aliases[alias.asname or alias.name] = full
            if alias.name == "get_ipython":
                self.aliases.pop(alias.asname or alias.name, None)
        self.generic_visit(node)

    # ------------------------------------------------------------------ bindings

    def _check_target(self, target: ast.AST, node: ast.AST) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._check_target(element, node)
            return
        if isinstance(target, ast.Starred):
            self._check_target(target.value, node)
            return
        if isinstance(target, ast.Attribute):
            owner = self.resolve(target.value)
            if target.attr in _DUNDERS:
                self.add("comparison-dunder", node, f"assigns {target.attr}")
            if target.attr in _INTROSPECTION_ATTRS:
                self.add("introspection", node, f"assigns {target.attr}")
            if owner and not owner.startswith("pandas.options") and \
                    not owner.startswith(("matplotlib.rcParams", "pd.options")):
                rule = "ipython-internals" if owner.startswith("get_ipython()") else "monkeypatch"
                self.add(rule, node, f"{owner}.{target.attr} = ...")
        elif isinstance(target, ast.Subscript):
            owner = self.resolve(target.value)
            base = _dotted(target.value) or ""
            if owner and (owner.endswith(("__dict__", ".modules")) or owner.startswith(
                    "__builtins__")):
                self.add("monkeypatch", node, f"{owner}[...] = ...")
            elif base.endswith("__dict__") or (isinstance(target.value, ast.Call)
                                               and _dotted(target.value.func) == "vars"):
                self.add("monkeypatch", node, "assigns into a namespace dictionary")

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._check_target(target, node)
            if isinstance(target, ast.Name):
                value = node.value
                if isinstance(value, ast.Call) and _dotted(value.func) in (
                        "get_ipython", "IPython.get_ipython"):
                    self.ipython.add(target.id)
                elif self.resolve(value) is not None:
                    self.aliases[target.id] = self.resolve(value)
                if target.id in _SHADOWED and isinstance(value, ast.Lambda):
                    self.add("shadow-builtin", node, f"{target.id} = lambda ...")
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._check_target(node.target, node)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._check_target(node.target, node)
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            self._check_target(target, node)
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        if node.name in _SHADOWED:
            self.add("shadow-builtin", node, f"def {node.name}(...)")
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        if node.name in _SHADOWED:
            self.add("shadow-builtin", node, f"class {node.name}")
        for item in node.body:
            names = []
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names = [item.name]
            elif isinstance(item, ast.Assign):
                names = [t.id for t in item.targets if isinstance(t, ast.Name)]
            for name in names:
                if name in _DUNDERS:
                    self.add("comparison-dunder", item, f"class {node.name} defines {name}")
        for keyword in node.keywords:
            if keyword.arg == "metaclass":
                self.add("comparison-dunder", node, f"class {node.name} sets a metaclass")
        self.generic_visit(node)

    def visit_Dict(self, node: ast.Dict) -> None:
        for key in node.keys:
            if isinstance(key, ast.Constant) and key.value in _DUNDERS:
                self.add("comparison-dunder", node, f"a namespace with {key.value}")
        self.generic_visit(node)

    # ------------------------------------------------------------------ uses

    def visit_Attribute(self, node: ast.Attribute) -> None:
        owner = self.resolve(node.value)
        if node.attr in _IPYTHON_ATTRS:
            self.add("ipython-internals", node, f".{node.attr}")
        elif owner and owner.startswith("get_ipython()") and owner == "get_ipython()" and \
                node.attr not in _IPYTHON_ALLOWED:
            self.add("ipython-internals", node, f"get_ipython().{node.attr}")
        if node.attr in _INTROSPECTION_ATTRS:
            self.add("introspection", node, f".{node.attr}")
        if owner == "sys" and node.attr in _SYS_ATTRS:
            self.add("sys-internals", node, f"sys.{node.attr}")
        if owner == "os" and node.attr in _OS_PROCESS:
            self.add("process", node, f"os.{node.attr}")
        if owner and owner.startswith("__builtins__"):
            self.add("monkeypatch", node, owner)
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if node.id == "__builtins__":
            self.add("monkeypatch", node, "uses __builtins__")
        elif node.id in _DYNAMIC and isinstance(node.ctx, ast.Load):
            pass  # reported by visit_Call when called
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        name = _dotted(node.func) or ""
        resolved = self.resolve(node.func) or name
        last = node.func.attr if isinstance(node.func, ast.Attribute) else name
        if name in _DYNAMIC or resolved in ("builtins.exec", "builtins.eval", "builtins.compile"):
            reads = any(isinstance(n, ast.Call) and (_dotted(n.func) or "").rsplit(".", 1)[-1]
                        in ("open", "read", "read_text", "read_bytes", "load", "loads")
                        for arg in node.args for n in ast.walk(arg))
            what = f"{name}(...)" + (" of file contents" if reads else "")
            self.add("dynamic-code", node, what)
        if resolved.startswith(("importlib.", "imp.")) and last in ("reload", "import_module",
                                                                    "__import__"):
            self.add("dynamic-code", node, f"{resolved}(...)")
        if last in ("setattr", "delattr") and name in ("setattr", "delattr") and node.args:
            owner = self.resolve(node.args[0])
            if owner or not isinstance(node.args[0], ast.Name):
                self.add("monkeypatch", node, f"{name}({owner or '...'}, ...)")
            if len(node.args) > 1 and isinstance(node.args[1], ast.Constant) and \
                    node.args[1].value in _DUNDERS:
                self.add("comparison-dunder", node, f"{name}(..., {node.args[1].value!r})")
        if name == "getattr" and len(node.args) > 1:
            attr = node.args[1]
            owner = self.resolve(node.args[0]) or ""
            if isinstance(attr, ast.Constant) and isinstance(attr.value, str) and (
                    attr.value in _IPYTHON_ATTRS or attr.value in _INTROSPECTION_ATTRS):
                self.add("ipython-internals" if attr.value in _IPYTHON_ATTRS
                         else "introspection", node, f"getattr(..., {attr.value!r})")
            elif not isinstance(attr, ast.Constant) and (owner or _dotted(node.args[0]) in (
                    "__builtins__", "builtins")):
                self.add("monkeypatch", node, f"getattr({owner or '...'}, <computed name>)")
        if name in ("vars", "globals", "locals") and node.args:
            owner = self.resolve(node.args[0])
            if owner:
                self.add("introspection", node, f"{name}({owner})")
        if resolved.startswith("get_ipython()") and last in ("run_line_magic",
                                                             "run_cell_magic") and node.args:
            magic = node.args[0]
            if isinstance(magic, ast.Constant) and magic.value in _MAGICS:
                self.add("magic", node, f"%{magic.value}")
            elif not isinstance(magic, ast.Constant):
                self.add("magic", node, "a magic chosen at run time")
        if resolved.startswith("get_ipython()") and last in ("system", "getoutput"):
            self.add("magic", node, "a shell command (!...)")
        if last in _WALKS and (resolved.startswith(("os", "glob", "pathlib", "shutil"))
                               or last in ("rglob", "iterdir", "glob", "home", "expanduser")):
            self._check_walk(node, resolved or name)
        if last == "connect" and resolved.startswith(("sqlite3", "sqlalchemy")) and node.args:
            arg = node.args[0]
            if not (isinstance(arg, ast.Constant) and arg.value == ":memory:"):
                self.add("filesystem", node, f"{resolved}(...) opens a database file")
        self.generic_visit(node)

    def _check_walk(self, node: ast.Call, name: str) -> None:
        last = node.func.attr if isinstance(node.func, ast.Attribute) else name
        name = name or f"<path>.{last}"
        if last in ("chdir", "home", "expanduser"):
            self.add("filesystem", node, f"{name}(...)")
            return
        args = list(node.args)
        if isinstance(node.func, ast.Attribute) and last in ("glob", "rglob", "iterdir") and \
                not name.startswith(("glob.", "os.")):
            args.append(node.func.value)
        for arg in args:
            literals = [n.value for n in ast.walk(arg)
                        if isinstance(n, ast.Constant) and isinstance(n.value, str)]
            if any(_outside(text) or text == "/" for text in literals):
                self.add("filesystem", node, f"{name}(...) outside the notebook's folder")
                return
            if not literals and not isinstance(arg, ast.Constant):
                self.add("filesystem", node, f"{name}(...) with a path computed at run time")
                return
        if last in ("rglob", "walk", "fwalk") and not args:
            return

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and len(node.value) < 4096:
            text = node.value.strip()
            if _outside(text):
                self.add("filesystem", node, f"path {text[:60]!r}")
            elif _SENSITIVE.search(text):
                self.add("filesystem", node, f"refers to {text[:60]!r}")


def _outside(text: str) -> bool:
    """Whether a string literal looks like a path outside the notebook's folder."""
    if "\n" in text or " " in text.strip():
        return False
    if text.startswith(("../", "~")) or text == ".." or "/../" in text or text.endswith("/.."):
        return True
    match = _PATHISH.match(text)
    if not match or not text.startswith("/"):
        return False
    first = text[1:].split("/")[0]
    return first in _KNOWN_ROOTS or text.count("/") >= 2


def scan_source(source: str) -> list[Finding]:
    """Scan one code cell and return its findings (empty for ordinary code).

    Parameters
    ----------
    source : str
        The cell's source, IPython syntax allowed.

    Examples
    --------
    >>> [f.rule for f in scan_source("import numpy as np\\nnp.isclose = lambda *a: True")]
    ['monkeypatch']
    >>> scan_source("def sensitivity(tp, fn):\\n    return tp / (tp + fn)")
    []
    """
    code = _to_python(source)
    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        return [Finding("syntax", exc.lineno or 0, str(exc.msg))] if _suspicious_text(
            source) else []
    scanner = _Scanner()
    scanner.visit(tree)
    seen: set[tuple[str, int, str]] = set()
    out = []
    for finding in scanner.findings:
        key = (finding.rule, finding.line, finding.detail)
        if key not in seen:
            seen.add(key)
            out.append(finding)
    return out


def _suspicious_text(source: str) -> bool:
    """For unparsable cells: does the text mention anything the rules care about?"""
    words = set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", source))
    return bool(words & (_IPYTHON_ATTRS | _DYNAMIC | {"__builtins__", "sys", "os"}))
