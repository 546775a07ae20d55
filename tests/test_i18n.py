"""aimed.i18n: one catalogue, two languages, complete translations."""

from __future__ import annotations

import string

import pytest

from aimed import i18n


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_english_key_is_translated_with_the_same_placeholders():
    english, french = i18n.catalogue("en"), i18n.catalogue("fr")
    assert set(english) == set(french), sorted(set(english) ^ set(french))
    for key, text in english.items():
        assert _fields(text) == _fields(french[key]), key


@pytest.mark.parametrize(("raw", "code"), [("fr", "fr"), ("fr_BE.UTF-8", "fr"), ("FR-fr", "fr"),
                                           ("en", "en"), ("de", "en"), ("", "en")])
def test_language_from_environment(monkeypatch, raw, code):
    monkeypatch.setenv("AIMED_LANG", raw)
    assert i18n.language() == code


def test_default_language_is_english(monkeypatch):
    monkeypatch.delenv("AIMED_LANG", raising=False)
    assert i18n.language() == "en"


def test_t_fills_fields_and_falls_back_to_english(monkeypatch):
    assert i18n.t("feedback.passed", "fr", name="x") == "✔ x : ces vérifications sont réussies."
    monkeypatch.setitem(i18n.catalogue("en"), "test.only_english", "Hello {who}")
    assert i18n.t("test.only_english", "fr", who="you") == "Hello you"
    with pytest.raises(KeyError):
        i18n.t("no.such.key", "en")


def test_localise_picks_language():
    assert i18n.localise({"en": "heart", "fr": "cœur"}, "fr") == "cœur"
    assert i18n.localise({"en": "heart"}, "fr") == "heart"
    assert i18n.localise("plain", "fr") == "plain"
    with pytest.raises(ValueError, match="'en'"):
        i18n.localise({"fr": "cœur"}, "en")


def test_unknown_catalogue_language():
    with pytest.raises(ValueError, match="lang must be one of"):
        i18n.catalogue("de")
