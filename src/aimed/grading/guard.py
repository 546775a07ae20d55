"""Trusted test helpers inside the grading kernel.

Student code runs in the same Python process as the tests that grade it, so it can
try to neutralise them: an IPython input transformer that empties test cells, a
hijacked ``run_cell``, rebinding ``aimed.feedback.assert_number`` or ``numpy.isclose``,
a custom exception handler that hides failures... This module is the in-kernel half
of the defence (the other half is :mod:`aimed.grading.preprocessors`).

* :func:`install` runs when the kernel starts and :func:`snapshot` is the grader's
  first request, **before any student code**. It records everything tests rely on:
  the namespaces of ``builtins``, ``math``, ``numpy``, ``pandas`` and
  ``aimed.feedback``; the classes of pandas tables and of the IPython shell and
  kernel; the code of every feedback function; the shell's input and AST
  transformers, event callbacks and exception handlers; ``sys.modules`` entries and
  import hooks.
* :func:`protect`, run by the grader right before each test cell, puts all of that
  back as it was and returns what it had to restore (each item becomes a flag for
  human review). It also makes :func:`aimed.feedback.checks` publish an *attestation*
  carrying a one-time nonce when its checks pass, so that the grader can verify that
  the checks of the test cell really ran.

The grader calls both through the ``user_expressions`` of an empty execute request,
which IPython evaluates without passing them through input transformers or
``run_cell``, so the usual hijacks cannot intercept them.

This cannot make a Python process safe against code running inside it; it makes the
known attacks fail and the rest visible. The grader adds a static scan, a canary
check after each test cell and the OS sandbox.
"""

from __future__ import annotations

import sys
import types
from typing import Any

__all__ = ["ATTEST_MIME", "install", "protect", "snapshot"]

ATTEST_MIME = "application/vnd.aimed.attest+json"

#: Modules whose namespaces are restored before each test cell.
MODULES = ("builtins", "math", "operator", "functools", "contextlib", "numbers", "numpy",
           "numpy.testing", "pandas", "pandas.testing", "aimed", "aimed.feedback",
           "aimed.i18n", "string", "traceback", "types", "json")
#: Event callbacks from these packages are legitimate (matplotlib's inline backend...).
_TRUSTED_CALLBACK_MODULES = ("matplotlib", "matplotlib_inline", "IPython", "ipykernel",
                             "ipywidgets", "aimed")
#: Shell and kernel attributes a student could shadow on the instance.
_SHELL_METHODS = ("run_cell", "run_cell_async", "_run_cell", "run_ast_nodes", "run_code",
                  "transform_cell", "transform_ast", "showtraceback", "_showtraceback",
                  "showsyntaxerror", "should_run_async", "CustomTB", "custom_exceptions",
                  "compile", "displayhook", "display_pub", "ex", "ev", "user_expressions",
                  "get_exception_only", "_get_exc_info", "InteractiveTB", "SyntaxTB",
                  "input_transformer_manager", "excepthook", "set_custom_exc")
_KERNEL_METHODS = ("do_execute", "execute_request", "send_response", "_publish_execute_input",
                   "_publish_status", "shell_handlers", "session", "iopub_socket")
_SESSION_METHODS = ("send", "serialize", "sign", "msg", "msg_header")

_state: dict[str, Any] | None = None
_app: Any = None


def _python_classes(*roots: type) -> list[type]:
    out: list[type] = []
    for root in roots:
        for cls in root.__mro__:
            if cls is not object and cls not in out and not _is_builtin_type(cls):
                out.append(cls)
    return out


def _is_builtin_type(cls: type) -> bool:
    try:
        cls.__aimed_probe__ = None
    except (TypeError, AttributeError):
        return True
    delattr(cls, "__aimed_probe__")
    return False


def _functions_of(namespace: dict) -> list[types.FunctionType]:
    out = []
    for value in namespace.values():
        func = value
        while isinstance(func, types.FunctionType):
            out.append(func)
            func = getattr(func, "__wrapped__", None)
    return out


def install(app: Any) -> None:
    """Remember the kernel application; called by :mod:`aimed.grading.kernel`."""
    global _app
    _app = app


def snapshot() -> bool:
    """Take the trusted snapshot (once; later calls change nothing).

    Returns
    -------
    bool
        True when this call took the snapshot.
    """
    global _state
    if _state is not None or _app is None:
        return False
    import contextlib
    import math  # noqa: F401
    import string  # noqa: F401
    import traceback  # noqa: F401

    import numpy  # noqa: F401 - imported now so that its namespace is recorded
    import pandas

    import aimed.feedback
    import aimed.i18n

    shell, kernel = _app.shell, _app.kernel
    modules = {name: sys.modules[name] for name in MODULES if name in sys.modules}
    classes = _python_classes(pandas.DataFrame, pandas.Series, pandas.Index,
                              contextlib._GeneratorContextManager, type(shell), type(kernel),
                              type(kernel.session), type(shell.display_pub),
                              type(shell.displayhook), type(shell.compile),
                              type(shell.input_transformer_manager))
    classes += [value for value in vars(aimed.feedback).values()
                if isinstance(value, type) and value.__module__ == "aimed.feedback"]
    functions = _functions_of(vars(aimed.feedback)) + _functions_of(vars(aimed.i18n))
    _state = {
        "shell": shell,
        "kernel": kernel,
        "modules": modules,
        "namespaces": {name: dict(vars(module)) for name, module in modules.items()},
        "classes": [(cls, dict(vars(cls))) for cls in classes],
        "code": [(f, f.__code__, f.__defaults__, f.__kwdefaults__) for f in functions],
        "shell_attrs": {name: shell.__dict__.get(name, _MISSING) for name in _SHELL_METHODS},
        "kernel_attrs": {name: kernel.__dict__.get(name, _MISSING) for name in _KERNEL_METHODS},
        "session_attrs": {name: kernel.session.__dict__.get(name, _MISSING)
                          for name in _SESSION_METHODS},
        "shell_handlers": dict(kernel.shell_handlers),
        "transformers": {
            "input_transformers_cleanup": list(shell.input_transformers_cleanup),
            "input_transformers_post": list(shell.input_transformers_post),
            "ast_transformers": list(shell.ast_transformers),
        },
        "manager": shell.input_transformer_manager,
        "manager_lists": {name: list(getattr(shell.input_transformer_manager, name))
                          for name in ("cleanup_transforms", "line_transforms",
                                       "token_transformers")},
        "events": {name: list(callbacks) for name, callbacks in shell.events.callbacks.items()},
        "sys": {name: getattr(sys, name) for name in
                ("displayhook", "excepthook", "stdout", "stderr")},
        "meta_path": list(sys.meta_path),
        "path_hooks": list(sys.path_hooks),
        "trap_keys": set(shell.builtin_trap.auto_builtins) | {"display", "get_ipython"},
        "publish": shell.display_pub.publish,
        "passed": aimed.feedback._passed,
        "feedback": aimed.feedback,
    }
    return True


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


_MISSING = _Missing()


#: Names that change in every cell for legitimate reasons.
_VOLATILE = {"_", "__", "___", "__doc__", "__loader__", "__spec__"}


def _restore_namespace(label: str, current: dict, saved: dict, skip: set[str],
                       restored: list[str]) -> None:
    for key, value in saved.items():
        if key in skip or key in _VOLATILE:
            continue
        now = current.get(key, _MISSING)
        if now is not value:
            current[key] = value
            restored.append(f"{label}.{key} was rebound" if now is not _MISSING
                            else f"{label}.{key} was deleted")


def _restore_class(cls: type, saved: dict, restored: list[str]) -> None:
    current = vars(cls)
    for key, value in saved.items():
        if current.get(key, _MISSING) is not value:
            setattr(cls, key, value)
            restored.append(f"{cls.__module__}.{cls.__qualname__}.{key} was rebound")
    for key in [k for k in current if k not in saved]:
        if key in ("__abstractmethods__", "_abc_impl", "__annotations__", "__doc__"):
            continue
        if isinstance(current[key], (types.FunctionType, property, classmethod, staticmethod)):
            delattr(cls, key)
            restored.append(f"{cls.__module__}.{cls.__qualname__}.{key} was added")


def _restore_attrs(obj: Any, saved: dict, label: str, restored: list[str]) -> None:
    for name, value in saved.items():
        now = obj.__dict__.get(name, _MISSING)
        if now is value:
            continue
        if value is _MISSING:
            del obj.__dict__[name]
        else:
            obj.__dict__[name] = value
        restored.append(f"{label}.{name} was replaced")


def _restore_list(label: str, current: list, saved: list, restored: list[str]) -> None:
    if len(current) != len(saved) or any(a is not b for a, b in zip(current, saved, strict=False)):
        current[:] = saved
        restored.append(f"{label} was modified")


def _callback_trusted(callback: Any) -> bool:
    module = getattr(callback, "__module__", None) or ""
    return isinstance(callback, (types.FunctionType, types.MethodType)) and \
        module.split(".")[0] in _TRUSTED_CALLBACK_MODULES


def restore() -> list[str]:
    """Put the trusted state back; return one line per thing that had to be restored."""
    if _state is None:
        return ["the grading kernel was started without its trusted snapshot"]
    s = _state
    restored: list[str] = []
    shell, kernel = s["shell"], s["kernel"]
    feedback = vars(s["feedback"])
    if getattr(feedback.get("_passed"), "__aimed_attest__", False):
        feedback["_passed"] = s["passed"]  # our own wrapper from the previous test cell
    for name, module in s["modules"].items():
        if sys.modules.get(name) is not module:
            sys.modules[name] = module
            restored.append(f"sys.modules[{name!r}] was replaced")
        skip = s["trap_keys"] if name == "builtins" else set()
        _restore_namespace(name, vars(module), s["namespaces"][name], skip, restored)
    for cls, saved in s["classes"]:
        _restore_class(cls, saved, restored)
    for func, code, defaults, kwdefaults in s["code"]:
        if func.__code__ is not code or func.__defaults__ is not defaults or \
                func.__kwdefaults__ is not kwdefaults:
            func.__code__, func.__defaults__, func.__kwdefaults__ = code, defaults, kwdefaults
            restored.append(f"the code of {func.__module__}.{func.__qualname__} was replaced")
    _restore_attrs(shell, s["shell_attrs"], "the IPython shell", restored)
    _restore_attrs(kernel, s["kernel_attrs"], "the kernel", restored)
    _restore_attrs(kernel.session, s["session_attrs"], "the kernel session", restored)
    if kernel.shell_handlers != s["shell_handlers"]:
        kernel.shell_handlers.clear()
        kernel.shell_handlers.update(s["shell_handlers"])
        restored.append("the kernel's message handlers were replaced")
    for name, saved in s["transformers"].items():
        # Some of these are read-only properties over the transformer manager's lists,
        # so the lists are restored in place.
        _restore_list(f"IPython {name}", getattr(shell, name), saved, restored)
    manager = s["manager"]
    for name, saved in s["manager_lists"].items():
        _restore_list(f"IPython input_transformer_manager.{name}", getattr(manager, name),
                      saved, restored)
    for name, callbacks in shell.events.callbacks.items():
        saved = s["events"].get(name, [])
        keep = [cb for cb in callbacks if any(cb is x for x in saved) or _callback_trusted(cb)]
        if len(keep) != len(callbacks):
            callbacks[:] = keep
            restored.append(f"IPython '{name}' event callbacks were added")
    for name, value in s["sys"].items():
        if getattr(sys, name) is not value:
            setattr(sys, name, value)
            restored.append(f"sys.{name} was replaced")
    _restore_list("sys.meta_path", sys.meta_path, s["meta_path"], restored)
    _restore_list("sys.path_hooks", sys.path_hooks, s["path_hooks"], restored)
    if sys.gettrace() is not None or sys.getprofile() is not None:
        sys.settrace(None)
        sys.setprofile(None)
        restored.append("a trace or profile function was installed")
    return restored


def protect(nonce: str) -> dict:
    """Restore the trusted state and arm the attestation for the next test cell.

    Returns
    -------
    dict
        ``{"nonce": nonce, "restored": [...]}``; the grader checks the nonce.
    """
    restored = restore()
    if _state is None:
        return {"nonce": nonce, "restored": restored}
    publish = _state["publish"]
    passed = _state["passed"]

    def attesting_passed(name: str, meaning: Any) -> None:
        publish({ATTEST_MIME: {"nonce": nonce, "name": str(name)}, "text/plain": ""})
        passed(name, meaning)

    attesting_passed.__aimed_attest__ = True  # type: ignore[attr-defined]
    vars(_state["feedback"])["_passed"] = attesting_passed
    return {"nonce": nonce, "restored": restored}
