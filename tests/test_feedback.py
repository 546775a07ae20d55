"""aimed.feedback: strict comparisons and friendly messages."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from aimed import feedback as fb


class AlwaysEqual:
    """The classic attack: an object equal to everything."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __float__(self):
        return 0.8

    __hash__ = object.__hash__


class SneakyFloat(float):
    def __eq__(self, other):
        return True

    __hash__ = float.__hash__


class SneakyArray(np.ndarray):
    def __eq__(self, other):
        return np.ones(self.shape, dtype=bool)


# ----------------------------------------------------------------------- numbers


@pytest.mark.parametrize("good", [0.8, 0.8000001, np.float64(0.8), np.float32(0.8)])
def test_assert_number_accepts_close_real_numbers(good):
    fb.assert_number(good, 0.8, rtol=1e-6, atol=1e-6)


def test_assert_number_accepts_ints_and_numpy_ints():
    fb.assert_number(3, 3.0)
    fb.assert_number(np.int64(3), 3.0)


@pytest.mark.parametrize("impostor", [AlwaysEqual(), SneakyFloat(0.1), True, "0.8", [0.8],
                                      np.array([0.8]), None, ...])
def test_assert_number_refuses_impostors_and_wrong_types(impostor):
    with pytest.raises(fb.CheckFailed):
        fb.assert_number(impostor, 0.8, name="sensitivity")


def test_wrong_value_says_direction_but_never_the_expected_value():
    with pytest.raises(fb.CheckFailed) as high:
        fb.assert_number(0.93, 0.8125, name="ppv")
    with pytest.raises(fb.CheckFailed) as low:
        fb.assert_number(0.5, 0.8125, name="ppv")
    assert "too high" in str(high.value) and "too low" in str(low.value)
    for exc in (high.value, low.value):
        assert "0.8125" not in str(exc) and "0.812" not in str(exc)


def test_wrong_type_names_expected_and_received_types():
    with pytest.raises(fb.CheckFailed) as info:
        fb.assert_number([1, 2], 0.5, name="sensitivity")
    message = str(info.value)
    assert "sensitivity" in message and "a number" in message and "a list of 2 items" in message


def test_placeholder_gets_its_own_message():
    with pytest.raises(fb.CheckFailed, match=r"placeholder `\.\.\.`"):
        fb.assert_number(..., 1.0, name="heart_rate")
    with pytest.raises(fb.CheckFailed, match="placeholder `None`"):
        fb.assert_number(None, 1.0, name="heart_rate")


def test_nan_handling():
    fb.assert_number(float("nan"), float("nan"))
    with pytest.raises(fb.CheckFailed, match="finite"):
        fb.assert_number(float("nan"), 1.0)
    with pytest.raises(fb.CheckFailed, match="finite"):
        fb.assert_number(math.inf, 1.0)
    with pytest.raises(fb.CheckFailed):
        fb.assert_number(1.0, float("nan"))


def test_malformed_tests_raise_value_error_not_check_failed():
    with pytest.raises(ValueError, match="expected"):
        fb.assert_number(1.0, "1.0")
    with pytest.raises(ValueError, match="rtol"):
        fb.assert_number(1.0, 1.0, rtol=-1)
    with pytest.raises(ValueError, match="low and high"):
        fb.assert_in_range(1.0, 2.0, 1.0)


def test_assert_in_range_shows_the_range():
    fb.assert_in_range(0.3, 0.2, 0.4)
    with pytest.raises(fb.CheckFailed, match="between 0.2 and 0.4"):
        fb.assert_in_range(0.5, 0.2, 0.4, name="threshold")


# ----------------------------------------------------------------------- arrays


def test_assert_array_accepts_arrays_and_plain_lists():
    fb.assert_array(np.array([1.0, 2.0]), [1.0, 2.0])
    fb.assert_array([1.0, 2.0], np.array([1.0, 2.0]))
    fb.assert_array(np.array([1, 2]), [1.0, 2.0])


def test_assert_array_refuses_subclasses_and_objects():
    sneaky = np.zeros(2).view(SneakyArray)
    with pytest.raises(fb.CheckFailed, match="NumPy array"):
        fb.assert_array(sneaky, [1.0, 2.0])
    with pytest.raises(fb.CheckFailed, match="numbers"):
        fb.assert_array([AlwaysEqual(), AlwaysEqual()], [1.0, 2.0])
    with pytest.raises(fb.CheckFailed, match="NumPy array"):
        fb.assert_array(pd.Series([1.0, 2.0]), [1.0, 2.0])


def test_assert_array_shape_and_mismatch_messages():
    with pytest.raises(fb.CheckFailed, match=r"shape \(2,\).*shape \(3,\)"):
        fb.assert_array(np.zeros(3), np.zeros(2), name="rr")
    with pytest.raises(fb.CheckFailed) as info:
        fb.assert_array(np.array([1.0, 2.5, 3.0, 9.0]), np.array([1.0, 2.0, 3.0, 4.0]), name="rr")
    message = str(info.value)
    assert "2 of 4 values" in message and "position 1" in message and "2.5" in message
    assert "2.0" not in message.split("where you have")[1]


def test_assert_array_nan_positions_must_match():
    fb.assert_array(np.array([1.0, np.nan]), np.array([1.0, np.nan]))
    with pytest.raises(fb.CheckFailed, match="NaN"):
        fb.assert_array(np.array([np.nan, 1.0]), np.array([1.0, np.nan]))


def test_assert_array_boolean_masks():
    mask = np.array([[True, False], [False, True]])
    fb.assert_array(mask.copy(), mask)
    with pytest.raises(fb.CheckFailed, match="True/False"):
        fb.assert_array(mask.astype(float), mask)
    with pytest.raises(fb.CheckFailed, match=r"position \(0, 1\)"):
        fb.assert_array(np.ones((2, 2), dtype=bool), mask)


# ----------------------------------------------------------------------- frames and exact values


def _frame():
    return pd.DataFrame({"site": ["A", "B"], "value": [1.0, 2.0], "n": [3, 4]})


def test_assert_frame_passes_on_equal_tables_ignoring_index_and_column_order():
    got = _frame()[["n", "value", "site"]]
    got.index = [10, 11]
    fb.assert_frame(got, _frame())


def test_assert_frame_row_order_optional():
    shuffled = _frame().iloc[::-1]
    with pytest.raises(fb.CheckFailed):
        fb.assert_frame(shuffled, _frame())
    fb.assert_frame(shuffled, _frame(), check_order=False)


@pytest.mark.parametrize(
    ("mutate", "pattern"),
    [
        (lambda df: df.drop(columns="n"), "missing the column"),
        (lambda df: df.assign(extra=1), "extra column"),
        (lambda df: df.iloc[:1], "2 rows"),
        (lambda df: df.assign(value=[1.0, 2.5]), "value"),
        (lambda df: df.assign(site=["A", "C"]), "site"),
        (lambda df: df.to_dict(), "DataFrame"),
    ],
)
def test_assert_frame_explains_each_difference(mutate, pattern):
    with pytest.raises(fb.CheckFailed, match=pattern):
        fb.assert_frame(mutate(_frame()), _frame())


def test_assert_equal_is_type_strict():
    fb.assert_equal("lung", "lung")
    fb.assert_equal([1, "a", (2, 3)], [1, "a", (2, 3)])
    fb.assert_equal({"a": 1}, {"a": 1})
    with pytest.raises(fb.CheckFailed):
        fb.assert_equal(True, 1)
    with pytest.raises(fb.CheckFailed):
        fb.assert_equal(AlwaysEqual(), "lung")
    with pytest.raises(fb.CheckFailed, match="3 items"):
        fb.assert_equal([1, 2], [1, 2, 3])
    with pytest.raises(fb.CheckFailed):
        fb.assert_equal(["a", AlwaysEqual()], ["a", "b"])


def test_assert_true_and_assert_type():
    fb.assert_true(np.bool_(True), name="the DVH never increases")
    with pytest.raises(fb.CheckFailed, match="not true"):
        fb.assert_true(1, name="the DVH never increases")
    fb.assert_type(1.0, float)
    with pytest.raises(fb.CheckFailed, match="float"):
        fb.assert_type(SneakyFloat(1.0), float)


# ----------------------------------------------------------------------- contexts and display


def test_checks_prints_one_confirmation_with_meaning(capsys):
    with fb.checks("sensitivity()", meaning="9 in 10 patients with the disease test positive."):
        fb.assert_number(0.9, 0.9)
        fb.assert_number(0.5, 0.5)
    out = capsys.readouterr().out
    assert out.count("✔") == 1
    assert "sensitivity(): these checks passed." in out and "9 in 10" in out
    assert "all tests passed" not in out.lower()


def test_standalone_assert_confirms(capsys):
    fb.assert_number(1.0, 1.0, name="x")
    assert "✔ x: these checks passed." in capsys.readouterr().out


def test_checks_turns_learner_errors_into_friendly_failures():
    def stub():
        raise NotImplementedError("Write your answer in this cell.")

    with pytest.raises(fb.CheckFailed) as info, fb.checks("sensitivity()"):
        stub()
    assert "has not been written yet" in str(info.value)
    assert info.value.__cause__ is None  # no chained traceback for the learner

    with pytest.raises(fb.CheckFailed, match="ZeroDivisionError"), fb.checks("ppv()"):
        _ = 1 / 0


def test_failure_renders_without_traceback_and_with_title_and_hint():
    with pytest.raises(fb.CheckFailed) as info, fb.checks("ppv()", hint="PPV = TP / (TP + FP)."):
        fb.assert_number(0.1, 0.5, name="ppv(...)")
    lines = info.value._render_traceback_()
    assert "Not yet: ppv()" in lines[0]
    assert any("Hint: PPV = TP / (TP + FP)." in line for line in lines)
    assert not any("Traceback" in line for line in lines)


def test_self_check_never_raises(capsys):
    with fb.self_check("heart rate", hint="Use np.diff."):
        fb.assert_number(..., 61.0, name="heart_rate")
    out = capsys.readouterr().out
    assert "➜ Not yet: heart rate" in out and "Hint: Use np.diff." in out
    with fb.self_check("heart rate", meaning="Normal resting rate."):
        fb.assert_number(61.0, 61.0)
    assert "✔ heart rate: these checks passed." in capsys.readouterr().out


def test_html_rendering_escapes_text():
    message = fb._Message("pass", ["<script>alert(1)</script>"])
    html = message._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html and 'role="status"' in html


def test_messages_follow_aimed_lang(monkeypatch):
    monkeypatch.setenv("AIMED_LANG", "fr")
    with pytest.raises(fb.CheckFailed) as info, fb.checks("sensibilité()"):
        fb.assert_number(0.95, 0.5, name="sensibilite")
    text = str(info.value)
    assert "Pas encore" in text and "trop élevé" in text


def test_check_survives_rebinding_of_builtins_and_numpy(monkeypatch):
    """Comparisons use references captured at import time."""
    import builtins

    monkeypatch.setattr(np, "isclose", lambda *a, **k: np.ones(np.shape(a[0]), dtype=bool))
    monkeypatch.setattr(builtins, "abs", lambda x: 0.0)
    with pytest.raises(fb.CheckFailed):
        fb.assert_number(0.1, 0.9)
    with pytest.raises(fb.CheckFailed):
        fb.assert_array(np.zeros(3), np.ones(3))


def test_describe_plain_words():
    assert fb.describe(np.zeros((2, 3))) == "a NumPy array of shape (2, 3)"
    assert fb.describe(pd.DataFrame({"a": [1]})) == "a pandas DataFrame with 1 rows and 1 columns"
    assert fb.describe(AlwaysEqual()).startswith("an object of type")


# --------------------------------------------------------------------------- refusing


def _helper(x):
    return x * 2


def _make_closure():
    factor = 3

    def scaled(x):
        return x * factor

    return scaled


def test_refusing_fails_every_alias_and_restores():
    alias = _helper
    namespace = {"doubled": _helper}
    with fb.refusing(_helper):
        for call in (lambda: alias(1), lambda: namespace["doubled"](1), lambda: _helper(x=1)):
            with pytest.raises(fb.CheckFailed, match=r"tests\.test_feedback\._helper\(\)"):
                call()
    assert _helper(2) == 4 and alias(2) == 4


def test_refusing_restores_after_a_failure_and_when_nested():
    closure = _make_closure()
    with pytest.raises(ZeroDivisionError):
        with fb.refusing(_helper, closure):
            with fb.refusing(_helper):
                pass
            with pytest.raises(fb.CheckFailed):
                _helper(1)
            with pytest.raises(fb.CheckFailed):
                closure(1)
            1 / 0  # noqa: B018 - the block ends with an error
    assert _helper(3) == 6
    assert closure(2) == 6


def test_refusing_inside_checks_reports_the_refusal():
    def learner_answer():
        return _helper(5)

    with pytest.raises(fb.CheckFailed) as info:
        with fb.checks("double()"), fb.refusing(_helper):
            fb.assert_number(learner_answer(), 10, name="double(5)")
    assert "write it yourself" in str(info.value)
    assert "double()" in str(info.value)


def test_refusing_speaks_french(monkeypatch):
    monkeypatch.setenv("AIMED_LANG", "fr")
    with fb.refusing(_helper), pytest.raises(fb.CheckFailed, match="vous-même"):
        _helper(1)


@pytest.mark.parametrize("thing", [np.sqrt, len, fb, fb.CheckFailed, "aimed.evaluate.auc"])
def test_refusing_takes_only_python_functions(thing):
    with pytest.raises(TypeError, match="Python functions"):
        with fb.refusing(thing):
            pass


# ----------------------------------------------------------------------- cases and lessons


def _run_as_cell(source: str, filename: str, namespace: dict) -> None:
    """Run ``source`` as IPython runs a cell: its lines are readable through linecache."""
    import linecache

    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    try:
        exec(compile(source, filename, "exec"), namespace)
    finally:
        linecache.cache.pop(filename, None)


_HIDDEN_CELL = '''
from aimed import feedback as fb

with fb.checks("ppv()", lesson="Lesson 2, section 'Predictive values'"):
    fb.assert_number(ppv(tp=8, fp=2), 0.8, name="ppv(tp=8, fp=2)")
    ### BEGIN HIDDEN TESTS
    fb.assert_number(ppv(tp=0, fp=7), 0.0, name="ppv(tp=0, fp=7)",
                     case="a test with no true positives")
    fb.assert_number(ppv(tp=3, fp=1), 0.75, name="ppv(tp=3, fp=1)")
    ### END HIDDEN TESTS
'''


def _ppv_wrong_when_no_tp(tp, fp):
    return 1.0 if tp == 0 else tp / (tp + fp)


def _ppv_wrong_elsewhere(tp, fp):
    return tp / (tp + fp) if tp in (0, 8) else 0.5


def test_hidden_failure_names_the_case_and_lesson_not_the_values():
    with pytest.raises(fb.CheckFailed) as info:
        _run_as_cell(_HIDDEN_CELL, "<cell-hidden-1>", {"ppv": _ppv_wrong_when_no_tp})
    text = str(info.value)
    assert "a test with no true positives" in text
    assert "To revisit: Lesson 2, section 'Predictive values'." in text
    assert "tp=0" not in text and "fp=7" not in text and "1.0" not in text and "= 1" not in text


def test_hidden_failure_without_case_stays_generic():
    with pytest.raises(fb.CheckFailed) as info:
        _run_as_cell(_HIDDEN_CELL, "<cell-hidden-2>", {"ppv": _ppv_wrong_elsewhere})
    text = str(info.value)
    assert "another case that the checks try" in text
    assert "tp=3" not in text and "0.5" not in text and "too" not in text


def test_hidden_learner_error_hides_its_message_but_explains_it():
    def ppv(tp, fp):
        if tp == 0:
            raise KeyError("secret_column")
        return tp / (tp + fp)

    with pytest.raises(fb.CheckFailed) as info:
        _run_as_cell(_HIDDEN_CELL, "<cell-hidden-3>", {"ppv": ppv})
    text = str(info.value)
    assert "KeyError" in text and "secret_column" not in text and "tp=0" not in text

    def ppv_zero(tp, fp):
        return tp / (tp + fp) if tp else tp / tp

    with pytest.raises(fb.CheckFailed) as info:
        _run_as_cell(_HIDDEN_CELL, "<cell-hidden-4>", {"ppv": ppv_zero})
    assert "You divided by zero" in str(info.value)


def test_visible_failure_keeps_details_and_adds_case_and_lesson():
    with pytest.raises(fb.CheckFailed) as info:
        with fb.checks("ppv()", revisit="Lesson 2"):
            fb.assert_number(0.5, 0.8, name="ppv(tp=8, fp=2)", case="the example of the lesson")
    text = str(info.value)
    assert "ppv(tp=8, fp=2) = 0.5 is too low." in text
    assert "The case that failed: the example of the lesson." in text
    assert text.endswith("To revisit: Lesson 2.")


def test_case_and_lesson_in_french(monkeypatch):
    monkeypatch.setenv("AIMED_LANG", "fr")
    with pytest.raises(fb.CheckFailed) as info:
        _run_as_cell(_HIDDEN_CELL.replace('case="a test with no true positives"',
                                          'case={"en": "no TP", "fr": "aucun vrai positif"}'),
                     "<cell-hidden-5>", {"ppv": _ppv_wrong_when_no_tp})
    assert "aucun vrai positif" in str(info.value) and "À revoir" in str(info.value)


def test_lesson_and_revisit_are_exclusive():
    with pytest.raises(ValueError, match="lesson= or revisit="):
        with fb.checks("x", lesson="a", revisit="b"):
            pass


def test_refusal_still_shown_from_hidden_tests():
    from aimed import evaluate

    cell = ("from aimed import feedback as fb\nfrom aimed import evaluate\n"
            "with fb.checks('sens()'):\n    ### BEGIN HIDDEN TESTS\n"
            "    with fb.refusing(evaluate.metrics_from_counts):\n        sens(1, 1)\n"
            "    ### END HIDDEN TESTS\n")

    def sens(tp, fn):
        return evaluate.metrics_from_counts(tp=tp, fp=0, tn=1, fn=fn)["sensitivity"]

    with pytest.raises(fb.CheckFailed, match="metrics_from_counts"):
        _run_as_cell(cell, "<cell-hidden-6>", {"sens": sens})


def test_feedback_html_of_a_failing_hidden_check(tmp_path):
    """Execute a graded cell in a real kernel, clear hidden tests, export the feedback."""
    import nbformat
    from nbclient import NotebookClient
    from nbgrader.preprocessors import ClearHiddenTests

    from aimed.grading.preprocessors import FeedbackHTMLExporter

    answer = nbformat.v4.new_code_cell(
        "def ppv(tp, fp):\n    return 1.0 if tp == 0 else tp / (tp + fp)\n")
    test = nbformat.v4.new_code_cell(_HIDDEN_CELL.strip().replace("0.75", "0.123456"))
    test.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True,
                                 "points": 1, "grade_id": "t_ppv", "schema_version": 3}
    nb = nbformat.v4.new_notebook(cells=[answer, test])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    NotebookClient(nb, kernel_name="python3", allow_errors=True, timeout=60,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    nb, _ = ClearHiddenTests().preprocess(nb, {})
    page, _ = FeedbackHTMLExporter().from_notebook_node(nb)
    assert "a test with no true positives" in page
    assert "Predictive values" in page
    assert "fp=7" not in page and "0.123456" not in page and "BEGIN HIDDEN" not in page


def test_names_can_be_given_in_both_languages_and_the_default_follows_the_learner(monkeypatch):
    monkeypatch.setenv("AIMED_LANG", "fr")
    with pytest.raises(fb.CheckFailed) as failed:
        fb.assert_number(2.0, 1.0, name={"en": "the dose", "fr": "la dose"})
    assert "la dose" in str(failed.value) and "the dose" not in str(failed.value)
    with pytest.raises(fb.CheckFailed) as failed:
        fb.assert_equal(2, 1)
    assert "votre réponse" in str(failed.value)
    with pytest.raises(fb.CheckFailed) as failed, fb.checks({"en": "the plan", "fr": "le plan"}):
        fb.assert_true(False, name={"en": "a check", "fr": "une vérification"})
    assert "le plan" in str(failed.value) and "une vérification" in str(failed.value)
    monkeypatch.setenv("AIMED_LANG", "en")
    with pytest.raises(fb.CheckFailed) as failed:
        fb.assert_equal(2, 1)
    assert "your answer" in str(failed.value)
