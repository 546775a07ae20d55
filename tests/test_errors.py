"""aimed.errors: plain-language explanations of learners' Python errors, in a real shell."""

from __future__ import annotations

import sys

import pytest
from IPython.core.interactiveshell import InteractiveShell

from aimed import errors
from aimed import feedback as fb
from aimed.i18n import t


@pytest.fixture
def shell():
    """A fresh IPython shell with the explanations installed."""
    ip = InteractiveShell.instance()
    errors.uninstall(ip)
    ip.user_ns.clear()
    ip.init_user_ns()
    assert errors.install(ip)
    yield ip
    errors.uninstall(ip)
    InteractiveShell.clear_instance()  # later tests of the session see no shell


def run(ip, capsys, source: str):
    result = ip.run_cell(source, store_history=False)
    return result, capsys.readouterr().out


def test_name_error_explained_then_traceback(shell, capsys):
    result, out = run(shell, capsys, "risk_score + 1")
    assert isinstance(result.error_in_exec, NameError)  # the cell still fails
    assert t("errors.name.undefined", "en", name="`risk_score`") in out
    assert "NameError" in out  # the usual traceback follows
    assert out.index("➜") < out.index("NameError")


def test_typo_suggests_the_close_name(shell, capsys):
    run(shell, capsys, "sensitivity = 0.9")
    result, out = run(shell, capsys, "print(sensitivty)")
    assert isinstance(result.error_in_exec, NameError)
    assert "Did you mean `sensitivity`?" in out


def test_capitalisation_suggested(shell, capsys):
    run(shell, capsys, "PPV = 0.5")
    _, out = run(shell, capsys, "ppv * 2")
    assert "Did you mean `PPV`?" in out


@pytest.mark.parametrize(("source", "key"), [
    ("print((1 + 2)\n", "errors.syntax.bracket"),
    ("if True\n    x = 1\n", "errors.syntax.colon"),
    ("label = 'malignant\n", "errors.syntax.quote"),
    ("def f():\nreturn 1\n", "errors.indent.expected"),
    ("x = 1\n    y = 2\n", "errors.indent.unexpected"),
])
def test_syntax_and_indentation_errors(shell, capsys, source, key):
    result, out = run(shell, capsys, source)
    assert isinstance(result.error_before_exec, SyntaxError)
    line = result.error_before_exec.lineno
    assert t(key, "en", line=line) in out
    assert out.count("➜") == 1
    assert "Error" in out  # IPython's own syntax report is still shown


def test_wrong_number_of_arguments(shell, capsys):
    run(shell, capsys, "def ppv(tp, fp):\n    return tp / (tp + fp)\n")
    _, out = run(shell, capsys, "ppv(1, 2, 3)")
    assert "`ppv()` takes 2 value(s) between its parentheses, but it was given 3" in out
    _, out = run(shell, capsys, "ppv(1)")
    assert "`ppv()` needs more values between its parentheses: 'fp' is missing." in out
    _, out = run(shell, capsys, "ppv(tp=1, false_pos=2)")
    assert "has no setting called `false_pos`" in out


def test_zero_division(shell, capsys):
    result, out = run(shell, capsys, "0 / 0")
    assert isinstance(result.error_in_exec, ZeroDivisionError)
    assert t("errors.zero_division", "en") in out


def test_missing_dataframe_column_suggests_the_column(shell, capsys):
    run(shell, capsys, "import pandas as pd\ndf = pd.DataFrame({'age': [70], 'sex': ['F']})")
    result, out = run(shell, capsys, "df['agee']")
    assert isinstance(result.error_in_exec, KeyError)
    assert "The table has no column called `'agee'`" in out
    assert "Did you mean `'age'`?" in out


def test_attribute_error_suggests_the_method(shell, capsys):
    run(shell, capsys, "import pandas as pd\ndf = pd.DataFrame({'age': [70]})")
    _, out = run(shell, capsys, "df.sort_value('age')")
    assert "has nothing called `sort_value` after the dot" in out
    assert "Did you mean `sort_values`?" in out
    _, out = run(shell, capsys, "import numpy as np\nnp.arang(3)")
    assert "The library `numpy`" in out and "Did you mean `arange`?" in out


def test_not_implemented_stub(shell, capsys):
    run(shell, capsys, "def answer():\n    raise NotImplementedError()\n")
    _, out = run(shell, capsys, "answer()")
    assert t("errors.not_implemented", "en") in out


@pytest.mark.parametrize("source", ["threshold = ...\nthreshold + 0.1", "float(...)",
                                    "import pandas as pd\npd.DataFrame({'a': [1]})[...]",
                                    "import numpy as np\nnp.linspace(0, ..., 3)"])
def test_ellipsis_left_in_place(shell, capsys, source):
    _, out = run(shell, capsys, source)
    assert t("errors.ellipsis", "en") in out


def test_unknown_error_keeps_the_plain_traceback(shell, capsys):
    _, out = run(shell, capsys, "raise RuntimeError('boom')")
    assert "➜" not in out and "RuntimeError" in out and "boom" in out


def test_check_failed_is_not_explained_again(shell, capsys):
    run(shell, capsys, "from aimed import feedback as fb")
    _, out = run(shell, capsys, "with fb.checks('x'):\n    fb.assert_number(1.0, 2.0, name='x')")
    assert "Not yet: x" in out and "➜" not in out


def test_french(shell, capsys, monkeypatch):
    monkeypatch.setenv("AIMED_LANG", "fr")
    _, out = run(shell, capsys, "1 / 0")
    assert t("errors.zero_division", "fr") in out and "Vous avez divisé par zéro" in out


def test_install_is_idempotent_and_respects_other_handlers(shell):
    assert errors.install(shell) and errors.installed(shell)
    errors.uninstall(shell)
    assert not errors.installed(shell)
    shell.set_custom_exc((ValueError,), lambda *a, **k: None)
    assert errors.install(shell) is False  # another handler is left alone
    shell.set_custom_exc((), None)


def test_automatic_install_can_be_switched_off(shell, monkeypatch):
    errors.uninstall(shell)
    monkeypatch.setenv("AIMED_EXPLAIN_ERRORS", "0")
    assert errors.install(shell, automatic=True) is False
    assert errors.install(shell) is True  # an explicit call still works


def test_never_installed_in_the_grading_kernel(shell, monkeypatch):
    from aimed.grading import guard

    errors.uninstall(shell)
    monkeypatch.setattr(guard, "_app", object())
    assert errors.install(shell) is False
    assert not errors.installed(shell)
    assert shell.custom_exceptions == ()


def test_explain_outside_ipython():
    assert errors.explain(RuntimeError("x")) is None
    with pytest.raises(ValueError, match="exc must be an exception"):
        errors.explain("oops")
    assert errors.install(None) is False  # no running shell (the fixture cleared it)
    try:
        undefined_name  # noqa: B018
    except NameError as exc:
        assert "`undefined_name`" in errors.explain(exc, lang="en")


def test_errors_in_graded_checks_are_explained():
    def learner(tp, fn):
        return tp / (tp + fn)

    with pytest.raises(fb.CheckFailed) as info:
        with fb.checks("sensitivity()"):
            learner(0, 0)
    text = str(info.value)
    assert "ZeroDivisionError" in text
    assert t("errors.zero_division", "en") in text


def test_feedback_import_installs_in_a_learner_shell(shell):
    errors.uninstall(shell)
    sys.modules.pop("aimed.feedback", None)
    try:
        import aimed.feedback  # the import is the behaviour under test

        assert errors.installed(shell)
    finally:
        # Put the original module back everywhere, so later tests keep one CheckFailed.
        sys.modules["aimed.feedback"] = fb
        aimed.feedback = fb
