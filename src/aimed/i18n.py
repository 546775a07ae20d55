"""One message catalogue for every learner-facing sentence the library prints.

Messages live in JSON files under ``aimed/locales/<lang>/``; every file in a
language folder is merged into one catalogue, so each module can own its own file
(``feedback.json``, ``rt.json``, ...). The language comes from the ``AIMED_LANG``
environment variable (default ``en``). A key missing in a translation falls back to
English, so a half-finished translation never breaks a lesson.
"""

from __future__ import annotations

import json
import os
import string
from collections.abc import Mapping
from functools import cache
from importlib import resources

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "catalogue", "language", "localise", "t"]

DEFAULT_LANGUAGE = "en"
LANGUAGES = ("en", "fr")


def language() -> str:
    """Return the learner's language code from ``AIMED_LANG`` (``"en"`` or ``"fr"``).

    A regional suffix is accepted (``fr_BE.UTF-8`` gives ``"fr"``). An unsupported
    language falls back to English rather than failing in the middle of a lesson.
    """
    raw = os.environ.get("AIMED_LANG", DEFAULT_LANGUAGE).strip().lower()
    code = raw.replace("-", "_").split("_")[0].split(".")[0]
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


@cache
def catalogue(lang: str) -> dict[str, str]:
    """Return the merged message catalogue of one language.

    Parameters
    ----------
    lang : str
        A language code from :data:`LANGUAGES`.

    Raises
    ------
    ValueError
        If ``lang`` is not one of :data:`LANGUAGES`, or two files define the same key.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {LANGUAGES}, got {lang!r}")
    merged: dict[str, str] = {}
    folder = resources.files("aimed") / "locales" / lang
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".json"):
            continue
        for key, text in json.loads(entry.read_text(encoding="utf-8")).items():
            if key in merged:
                raise ValueError(f"message key {key!r} is defined twice in locales/{lang}")
            merged[key] = text
    return merged


def t(key: str, lang: str | None = None, /, **fields: object) -> str:
    """Translate a message key and fill in its ``{fields}``.

    Parameters
    ----------
    key : str
        A catalogue key such as ``"feedback.wrong_type"``.
    lang : str, optional
        Language code; by default :func:`language`.
    **fields
        Values for the placeholders in the message.

    Raises
    ------
    KeyError
        If the key exists in no catalogue (a bug in the calling code).
    """
    lang = lang or language()
    text = catalogue(lang).get(key)
    if text is None:
        text = catalogue(DEFAULT_LANGUAGE)[key]
    return string.Formatter().vformat(text, (), fields)


def localise(text: str | Mapping[str, str] | None, lang: str | None = None) -> str | None:
    """Pick the learner's language from text given as ``{"en": ..., "fr": ...}``.

    Plain strings are returned unchanged (they are English until translated).
    """
    if text is None or isinstance(text, str):
        return text
    lang = lang or language()
    if lang in text:
        return text[lang]
    if DEFAULT_LANGUAGE in text:
        return text[DEFAULT_LANGUAGE]
    raise ValueError(f"text must have an {DEFAULT_LANGUAGE!r} entry, got keys {sorted(text)}")
