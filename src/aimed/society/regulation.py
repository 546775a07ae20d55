"""Regulation and accountability of medical AI in the EU, as data with sources and dates.

Three texts decide most obligations around a medical AI product in the EU, and a fourth
decides who pays when it harms a patient:

* the **Medical Device Regulation** (MDR), Regulation (EU) 2017/745 [1]_. Whether
  software is a medical device at all is a question of *qualification*, answered first
  with the decision steps of the Medical Device Coordination Group's guidance
  MDCG 2019-11 [2]_: software that only stores, archives, communicates, searches or
  displays data unchanged, or that does not act for the benefit of individual patients,
  is not medical device software. Only then does Annex VIII **Rule 11** give the class;
  from class IIa upwards a notified body takes part in the conformity assessment;
* the **AI Act**, Regulation (EU) 2024/1689 [3]_, applies only to an *AI system* in the
  sense of its Art. 3(1), read with the Commission guidelines on that definition [4]_.
  An AI system that is (or is a safety component of) a product under the legislation
  of its Annex I section A, such as the MDR, and whose conformity assessment involves a
  third party is **high-risk** (Art. 6(1)); Annex III adds use-based areas, among them
  emergency healthcare patient triage (point 5(d)). Its timetable was amended by
  Regulation (EU) 2026/1744, the "Digital Omnibus on AI" [5]_, which
  :data:`OMNIBUS_PROCEDURE` follows step by step;
* duties fall on the **provider** (Art. 16, with a quality management system under
  Art. 17, and a system *designed* for human oversight under Art. 14) and on the
  **deployer** (Art. 26, which assigns oversight to people with the competence,
  training and authority it needs, Art. 26(2)); under the MDR the **manufacturer**
  carries the general obligations of Art. 10;
* the new **Product Liability Directive**, Directive (EU) 2024/2853 [6]_, makes software
  a product (Art. 4(1)) for no-fault liability; member states must transpose it by
  9 December 2026 (Art. 22(1)). The professional liability of clinicians remains a
  matter of national law.

:data:`AI_ACT_TIMELINE` holds the dates of application as data: each entry has its date,
the provisions, whether it is law, superseded or only proposed, its source and the date of
that source. :data:`CHECKED_ON` is the day the status was last checked.

Every text the lesson shows (the provisions, the steps, the scenarios, the duties, the
branches and "not a medical device") is read in the learner's language when it is used
(``AIMED_LANG``); the French follows the official wording of the EU texts where it
exists. The values that functions take as arguments (``status="law"``, ``route="annex I"``,
``purpose="decision"``...) are English names in both languages.

This module is teaching material, not legal advice.

Examples
--------
>>> high_risk_date("annex I")
datetime.date(2028, 8, 2)
>>> classify_software("stroke-ct")
('III', 'decision: death or irreversible')

References
----------
.. [1] Regulation (EU) 2017/745 on medical devices, OJ L 117, 5.5.2017, Art. 2(1), Art. 10,
   Annex VIII Chapter III point 6.3 (Rule 11). http://data.europa.eu/eli/reg/2017/745/oj
.. [2] MDCG 2019-11 rev.1, Guidance on qualification and classification of software in
   Regulation (EU) 2017/745 - MDR and Regulation (EU) 2017/746 - IVDR, October 2019,
   revision 1 of June 2025, section 3 (decision steps) and section 4 (Rule 11).
   https://health.ec.europa.eu/medical-devices-sector/new-regulations/guidance-mdcg-endorsed-documents-and-other-guidance_en
.. [3] Regulation (EU) 2024/1689 laying down harmonised rules on artificial intelligence
   (Artificial Intelligence Act), OJ L, 2024/1689, 12.7.2024, Art. 3(1), 6, 14, 16, 17,
   26, 113, Annex I and III. http://data.europa.eu/eli/reg/2024/1689/oj
.. [4] European Commission. Guidelines on the definition of an artificial intelligence
   system established by Regulation (EU) 2024/1689, C(2025) 924 final, 6 February 2025.
   https://digital-strategy.ec.europa.eu/en/library/commission-publishes-guidelines-ai-system-definition-facilitate-first-ai-acts-rules-application
.. [5] Regulation (EU) 2026/1744 of 8 July 2026 amending Regulations (EU) 2024/1689,
   (EU) 2018/1139 and (EU) 2023/1230 as regards the simplification of the implementation
   of harmonised rules on artificial intelligence (Digital Omnibus on AI), OJ L,
   2026/1744, 24.7.2026, Art. 1(40). http://data.europa.eu/eli/reg/2026/1744/oj
.. [6] Directive (EU) 2024/2853 on liability for defective products, OJ L, 2024/2853,
   18.11.2024, Art. 4(1) and 22(1). http://data.europa.eu/eli/dir/2024/2853/oj
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields

import pandas as pd

from aimed.i18n import DEFAULT_LANGUAGE, language, localise, t
from aimed.society import _checks

__all__ = [
    "AI_ACT_TIMELINE",
    "ART14_OVERSIGHT",
    "BRANCHES",
    "CHECKED_ON",
    "MDCG_STEPS",
    "MDR_RULE11_CLASSES",
    "OMNIBUS_PROCEDURE",
    "RELATED_DATES",
    "RESPONSIBILITIES",
    "SCENARIOS",
    "STATUSES",
    "ModelCard",
    "ai_act_high_risk",
    "ai_act_timeline",
    "classify_software",
    "high_risk_date",
    "in_application",
    "mdr_rule11_class",
    "omnibus_procedure",
    "plot_ai_act_timeline",
    "qualify_software",
]

#: The day the status of every entry below was last checked against the sources.
CHECKED_ON: dt.date = dt.date(2026, 12, 2)

# ------------------------------------------------------------------- texts in two languages


class _Text:
    """A text in English and in French; :meth:`text` reads it in the learner's language."""

    __slots__ = ("en", "fr")

    def __init__(self, en: str, fr: str) -> None:
        self.en, self.fr = en, fr

    def text(self) -> str:
        return localise({"en": self.en, "fr": self.fr})

    def __add__(self, other: _Text | str) -> _Text:
        if isinstance(other, str):
            return _Text(self.en + other, self.fr + other)
        return _Text(self.en + other.en, self.fr + other.fr)

    def __repr__(self) -> str:
        return f"_Text({self.en!r}, {self.fr!r})"


def _pick(value: object) -> object:
    """``value`` with every :class:`_Text` in it read in the learner's language."""
    if isinstance(value, _Text):
        return value.text()
    if isinstance(value, dict):
        return {key: _pick(item) for key, item in value.items()}
    return value


class _Localised(Sequence):
    """A read-only tuple whose texts are read in the learner's language at each access.

    The course's constants (:data:`MDCG_STEPS`, :data:`RESPONSIBILITIES`...) are shown by
    the lessons as they are; reading them when they are used, not when the module is
    imported, lets ``AIMED_LANG`` decide, as everywhere else in the library.
    """

    __slots__ = ("_items", "_show")

    def __init__(self, items, show=_pick) -> None:
        self._items = tuple(items)
        self._show = show

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return tuple(self._show(item) for item in self._items[index])
        return self._show(self._items[index])

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _Localised):
            other = tuple(other)
        return tuple(self) == other if isinstance(other, tuple) else NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(tuple(self))


class _LocalisedMapping(Mapping):
    """A read-only dict whose values' texts are read in the learner's language."""

    __slots__ = ("_items",)

    def __init__(self, items: dict) -> None:
        self._items = dict(items)

    def __getitem__(self, key):
        return _pick(self._items[key])

    def __iter__(self):
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return repr(dict(self))


def _label(code: str, labels: dict[str, _Text]) -> str:
    """The label of a code (a status, a step, a branch) in the learner's language."""
    return labels[code].text() if code in labels else code

# ----------------------------------------------------------------------------- sources

_AI_ACT = _Text("Regulation (EU) 2024/1689, OJ L, 2024/1689, 12.7.2024, "
                "ELI http://data.europa.eu/eli/reg/2024/1689/oj",
                "Règlement (UE) 2024/1689, JO L, 2024/1689, 12.7.2024, "
                "ELI http://data.europa.eu/eli/reg/2024/1689/oj")
_AI_ACT_DATE = dt.date(2024, 7, 12)
_OMNIBUS = _Text("Regulation (EU) 2026/1744 (Digital Omnibus on AI), OJ L, 2026/1744, "
                 "24.7.2026, ELI http://data.europa.eu/eli/reg/2026/1744/oj",
                 "Règlement (UE) 2026/1744 (Digital Omnibus on AI, omnibus numérique sur "
                 "l'IA), JO L, 2026/1744, 24.7.2026, ELI http://data.europa.eu/eli/reg/2026/1744/oj")
_OMNIBUS_DATE = dt.date(2026, 7, 24)
_PROPOSAL = _Text("European Commission, COM(2025) 836 final, 19.11.2025, procedure "
                  "2025/0359(COD), "
                  "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:52025PC0836",
                  "Commission européenne, COM(2025) 836 final, 19.11.2025, procédure "
                  "2025/0359(COD), "
                  "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:52025PC0836")
_PROPOSAL_DATE = dt.date(2025, 11, 19)
_AMENDING_113 = _Text(", Art. 1 (amending Art. 113)", ", art. 1er (modifiant l'art. 113)")


def _art(en: str, fr: str) -> _Text:
    """An article reference, written the English and the French way."""
    return _Text(f", Art. {en}", f", art. {fr}")


#: What a status means. Only "law" binds anyone.
STATUSES: Mapping[str, str] = _LocalisedMapping({
    "law": _Text("in the text in force (the 2024 Act as amended by Regulation (EU) 2026/1744)",
                 "dans le texte en vigueur (le règlement de 2024 tel que modifié par le "
                 "règlement (UE) 2026/1744)"),
    "superseded": _Text("was in the 2024 text, replaced by Regulation (EU) 2026/1744",
                        "figurait dans le texte de 2024, remplacé par le règlement (UE) "
                        "2026/1744"),
    "proposed": _Text("only in the Commission's proposal COM(2025) 836; not adopted",
                      "seulement dans la proposition de la Commission COM(2025) 836 ; "
                      "non adopté"),
})

#: How a status is shown in a table, in each language.
_STATUS_LABELS = {"law": _Text("law", "en vigueur"),
                  "superseded": _Text("superseded", "remplacé"),
                  "proposed": _Text("proposed", "proposé")}


def _entry(short: str, date: dt.date, provision: _Text, status: str, source: _Text,
           source_date: dt.date) -> dict[str, object]:
    return {"short": short, "date": date, "provision": provision, "status": status,
            "source": source, "source_date": source_date}


_TIMELINE: tuple[dict[str, object], ...] = (
    _entry("entry into force", dt.date(2024, 8, 1),
           _Text("entry into force, 20th day after publication (Art. 113, first paragraph)",
                 "entrée en vigueur, le vingtième jour suivant la publication (art. 113, "
                 "premier alinéa)"),
           "law", _AI_ACT + _art("113", "113"), _AI_ACT_DATE),
    _entry("prohibitions, AI literacy", dt.date(2025, 2, 2),
           _Text("Chapters I and II: general provisions, AI literacy (Art. 4), prohibited "
                 "practices (Art. 5) (Art. 113(a))",
                 "chapitres I et II : dispositions générales, maîtrise de l'IA (art. 4), "
                 "pratiques interdites (art. 5) (art. 113, point a))"),
           "law", _AI_ACT + _art("113(a)", "113, point a)"), _AI_ACT_DATE),
    _entry("GPAI, governance, penalties", dt.date(2025, 8, 2),
           _Text("Chapter III section 4 (notified bodies), Chapter V (general-purpose AI "
                 "models), Chapter VII (governance), Chapter XII (penalties) and Art. 78, "
                 "except Art. 101 (Art. 113(b))",
                 "chapitre III, section 4 (organismes notifiés), chapitre V (modèles d'IA à "
                 "usage général), chapitre VII (gouvernance), chapitre XII (sanctions) et "
                 "art. 78, à l'exception de l'art. 101 (art. 113, point b))"),
           "law", _AI_ACT + _art("113(b)", "113, point b)"), _AI_ACT_DATE),
    _entry("amendments to other acts", dt.date(2026, 7, 27),
           _Text("Arts. 102 to 110, amendments to other Union acts (new Art. 113(d))",
                 "art. 102 à 110, modifications d'autres actes de l'Union (nouvel art. 113, "
                 "point d))"),
           "law", _OMNIBUS + _art("1(40)(c)", "1er, point 40, c)"), _OMNIBUS_DATE),
    _entry("general application", dt.date(2026, 8, 2),
           _Text("general date of application: the rest of the Act, including transparency "
                 "(Art. 50) and Art. 101 (Art. 113, second paragraph)",
                 "date générale d'application : le reste du règlement, y compris la "
                 "transparence (art. 50) et l'art. 101 (art. 113, deuxième alinéa)"),
           "law", _AI_ACT + _art("113", "113"), _AI_ACT_DATE),
    _entry("new prohibitions", dt.date(2026, 12, 2),
           _Text("new prohibited practices: non-consensual intimate images and child sexual "
                 "abuse material, Art. 5(1)(ba) and (bb) (Art. 113(a) as replaced)",
                 "nouvelles pratiques interdites : images intimes non consenties et matériel "
                 "pédopornographique, art. 5, paragraphe 1, points b bis) et b ter) "
                 "(art. 113, point a), tel que remplacé)"),
           "law", _OMNIBUS + _art("1(40)(a)", "1er, point 40, a)"), _OMNIBUS_DATE),
    _entry("high-risk, Annex III (e.g. triage)", dt.date(2027, 12, 2),
           _Text("Chapter III sections 1-3 (classification, requirements, provider and "
                 "deployer obligations) for high-risk systems under Art. 6(2) and Annex III, "
                 "such as emergency patient triage (Art. 113(c)(i) as replaced)",
                 "chapitre III, sections 1 à 3 (classification, exigences, obligations des "
                 "fournisseurs et des déployeurs) pour les systèmes à haut risque relevant de "
                 "l'art. 6, paragraphe 2, et de l'annexe III, comme le tri des patients aux "
                 "urgences (art. 113, point c), i), tel que remplacé)"),
           "law", _OMNIBUS + _art("1(40)(b)", "1er, point 40, b)"), _OMNIBUS_DATE),
    _entry("high-risk, Annex I (e.g. MDR devices)", dt.date(2028, 8, 2),
           _Text("Chapter III sections 1-3 for high-risk systems under Art. 6(1) and Annex I, "
                 "such as AI medical devices whose MDR conformity assessment involves a "
                 "notified body (Art. 113(c)(ii) as replaced)",
                 "chapitre III, sections 1 à 3, pour les systèmes à haut risque relevant de "
                 "l'art. 6, paragraphe 1, et de l'annexe I, comme les dispositifs médicaux à "
                 "base d'IA dont l'évaluation de la conformité au titre du MDR fait intervenir "
                 "un organisme notifié (art. 113, point c), ii), tel que remplacé)"),
           "law", _OMNIBUS + _art("1(40)(b)", "1er, point 40, b)"), _OMNIBUS_DATE),
    _entry("high-risk, Annex III (2024 text)", dt.date(2026, 8, 2),
           _Text("high-risk obligations for Annex III systems on the general date of "
                 "application",
                 "obligations relatives au haut risque pour les systèmes de l'annexe III, à "
                 "la date générale d'application"),
           "superseded",
           _AI_ACT + _Text(", Art. 113; replaced by ", ", art. 113 ; remplacé par : ")
           + _OMNIBUS + _art("1(40)(b)", "1er, point 40, b)"),
           _OMNIBUS_DATE),
    _entry("high-risk, Annex I (2024 text)", dt.date(2027, 8, 2),
           _Text("Art. 6(1) and the corresponding obligations (Art. 113(c), 2024 wording)",
                 "art. 6, paragraphe 1, et les obligations correspondantes (art. 113, "
                 "point c), version de 2024)"),
           "superseded",
           _AI_ACT + _Text(", Art. 113(c); replaced by ", ", art. 113, point c) ; remplacé "
                                                           "par : ")
           + _OMNIBUS + _art("1(40)(b)", "1er, point 40, b)"),
           _OMNIBUS_DATE),
    _entry("high-risk, Annex III (proposal)", dt.date(2027, 12, 2),
           _Text("Annex III obligations 6 months after a Commission decision that support "
                 "measures are available, at the latest 2 December 2027 (conditional "
                 "trigger)",
                 "obligations de l'annexe III 6 mois après une décision de la Commission "
                 "constatant que des mesures de soutien sont disponibles, au plus tard le "
                 "2 décembre 2027 (déclencheur conditionnel)"),
           "proposed", _PROPOSAL + _AMENDING_113, _PROPOSAL_DATE),
    _entry("high-risk, Annex I (proposal)", dt.date(2028, 8, 2),
           _Text("Annex I obligations 12 months after that Commission decision, at the "
                 "latest 2 August 2028 (conditional trigger)",
                 "obligations de l'annexe I 12 mois après cette décision de la Commission, "
                 "au plus tard le 2 août 2028 (déclencheur conditionnel)"),
           "proposed", _PROPOSAL + _AMENDING_113, _PROPOSAL_DATE),
)

#: Catalogue key of each short name (``society.ai_act.<key>``), drawn on the timeline and
#: shown in the tables.
_SHORT_KEYS = {
    "entry into force": "entry_into_force",
    "prohibitions, AI literacy": "prohibitions_literacy",
    "GPAI, governance, penalties": "gpai_governance_penalties",
    "amendments to other acts": "amendments",
    "general application": "general_application",
    "new prohibitions": "new_prohibitions",
    "high-risk, Annex III (e.g. triage)": "annex_iii",
    "high-risk, Annex I (e.g. MDR devices)": "annex_i",
    "high-risk, Annex III (2024 text)": "annex_iii_2024",
    "high-risk, Annex I (2024 text)": "annex_i_2024",
    "high-risk, Annex III (proposal)": "annex_iii_proposal",
    "high-risk, Annex I (proposal)": "annex_i_proposal",
}


def _short_label(short: str) -> str:
    """The short name of a timeline entry in the learner's language."""
    from aimed import plotting

    return plotting.known_text(f"society.ai_act.{_SHORT_KEYS.get(short, '-')}", short)


def _shown_entry(entry: dict[str, object]) -> dict[str, object]:
    """A timeline entry as the learner reads it: short name and status in their language."""
    shown = _pick(entry)
    shown["short"] = _short_label(entry["short"])  # type: ignore[arg-type]
    shown["status"] = _label(entry["status"], _STATUS_LABELS)  # type: ignore[arg-type]
    return shown


#: The AI Act's dates of application (Art. 113), as data: one entry per date and group of
#: provisions, with its status (see :data:`STATUSES`), its source and the date of that
#: source. Checked on :data:`CHECKED_ON`. The texts are read in the learner's language
#: (``AIMED_LANG``); in English ``short`` and ``status`` are the names the functions use.
AI_ACT_TIMELINE: Sequence[dict[str, object]] = _Localised(_TIMELINE, _shown_entry)

_STEP_LABELS = {
    "proposal": _Text("proposal", "proposition"),
    "Council mandate": _Text("Council mandate", "mandat du Conseil"),
    "Parliament position": _Text("Parliament position", "position du Parlement"),
    "provisional agreement": _Text("provisional agreement", "accord provisoire"),
    "Parliament adoption": _Text("Parliament adoption", "adoption par le Parlement"),
    "Council adoption": _Text("Council adoption", "adoption par le Conseil"),
    "signature": _Text("signature", "signature"),
    "publication": _Text("publication", "publication"),
    "entry into force": _Text("entry into force", "entrée en vigueur"),
}


def _step(step: str, date: dt.date, confirmed: bool, what: _Text, source: _Text,
          source_date: dt.date) -> dict[str, object]:
    return {"step": _STEP_LABELS[step], "date": date, "confirmed": confirmed, "what": what,
            "source": source, "source_date": source_date}


def _council(title: str, day: str, jour: str) -> _Text:
    """A Council press release: its title stays as published, in English."""
    return _Text(f"Council of the EU, press release '{title}', {day}",
                 f"Conseil de l'UE, communiqué de presse '{title}', {jour}")


_OEIL = _Text("European Parliament, Legislative Observatory, procedure 2025/0359(COD)",
              "Parlement européen, Observatoire législatif, procédure 2025/0359(COD)")

#: The steps of the Digital Omnibus on AI, from proposal to law. Each source is primary
#: for its own act (the institution's document or press release) and carries its date;
#: ``confirmed`` is False where the exact day could not be confirmed from such a source.
OMNIBUS_PROCEDURE: Sequence[dict[str, object]] = _Localised((
    _step("proposal", dt.date(2025, 11, 19), True,
          _Text("Commission proposal COM(2025) 836 (Digital Omnibus on AI): high-risk rules "
                "to apply after a Commission decision on support measures, with long-stop "
                "dates",
                "proposition de la Commission COM(2025) 836 (omnibus numérique sur l'IA) : "
                "les règles relatives au haut risque s'appliqueraient après une décision de "
                "la Commission sur les mesures de soutien, avec des dates butoirs"),
          _PROPOSAL, _PROPOSAL_DATE),
    _step("Council mandate", dt.date(2026, 3, 13), True,
          _Text("Council negotiating mandate: fixed dates 2 December 2027 (stand-alone, "
                "Annex III) and 2 August 2028 (embedded in products, Annex I)",
                "mandat de négociation du Conseil : dates fixes du 2 décembre 2027 (systèmes "
                "autonomes, annexe III) et du 2 août 2028 (systèmes intégrés à des produits, "
                "annexe I)"),
          _council("Artificial intelligence: Council agrees position to streamline rules",
                   "13 March 2026", "13 mars 2026"),
          dt.date(2026, 3, 13)),
    _step("Parliament position", dt.date(2026, 3, 26), False,
          _Text("European Parliament plenary adopts amendments (569 to 45, 23 abstentions) "
                "and refers the file back for interinstitutional negotiations; committee vote "
                "IMCO-LIBE 18 March 2026, plenary vote scheduled 26 March 2026",
                "le Parlement européen adopte des amendements en plénière (569 voix contre "
                "45, 23 abstentions) et renvoie le dossier pour des négociations "
                "interinstitutionnelles ; vote en commissions IMCO-LIBE le 18 mars 2026, "
                "vote en plénière prévu le 26 mars 2026"),
          _OEIL + _Text(", summary of the plenary amendments",
                        ", résumé des amendements de la plénière"),
          dt.date(2026, 3, 26)),
    _step("provisional agreement", dt.date(2026, 5, 7), True,
          _Text("trilogue: provisional agreement between the Council presidency and "
                "Parliament's negotiators (a political deal, not law)",
                "trilogue : accord provisoire entre la présidence du Conseil et les "
                "négociateurs du Parlement (un accord politique, pas du droit)"),
          _council("Artificial intelligence: Council and Parliament agree to simplify and "
                   "streamline rules", "7 May 2026", "7 mai 2026"),
          dt.date(2026, 5, 7)),
    _step("Parliament adoption", dt.date(2026, 6, 16), False,
          _Text("Parliament adopts its first-reading position, the agreed text (plenary "
                "debate 15 June 2026); the Council's adoption of 29 June approves that "
                "position, so it came first; the day, 16 June, is reported by secondary "
                "sources only",
                "le Parlement adopte sa position en première lecture, le texte convenu (débat "
                "en plénière le 15 juin 2026) ; l'adoption par le Conseil le 29 juin approuve "
                "cette position, qui l'a donc précédée ; le jour, le 16 juin, n'est rapporté "
                "que par des sources secondaires"),
          _OEIL + _Text("; Council of the EU, press release of 29 June 2026",
                        " ; Conseil de l'UE, communiqué de presse du 29 juin 2026"),
          dt.date(2026, 6, 29)),
    _step("Council adoption", dt.date(2026, 6, 29), True,
          _Text("Council approves Parliament's position: the act is adopted",
                "le Conseil approuve la position du Parlement : l'acte est adopté"),
          _council("Artificial intelligence: Council gives final green light to simplify and "
                   "streamline rules", "29 June 2026", "29 juin 2026"),
          dt.date(2026, 6, 29)),
    _step("signature", dt.date(2026, 7, 8), True,
          _Text("signed as Regulation (EU) 2026/1744 of 8 July 2026",
                "signé : règlement (UE) 2026/1744 du 8 juillet 2026"),
          _OMNIBUS, _OMNIBUS_DATE),
    _step("publication", dt.date(2026, 7, 24), True,
          _Text("published in the Official Journal, OJ L, 2026/1744, 24.7.2026",
                "publié au Journal officiel, JO L, 2026/1744, 24.7.2026"),
          _OMNIBUS, _OMNIBUS_DATE),
    _step("entry into force", dt.date(2026, 7, 27), True,
          _Text("in force on the third day after publication: its dates are law",
                "en vigueur le troisième jour suivant sa publication : ses dates relèvent du "
                "droit en vigueur"),
          _OMNIBUS + _art("4", "4"), _OMNIBUS_DATE),
))

#: Other dates the lesson states, with their sources (not AI Act application dates).
RELATED_DATES: Sequence[dict[str, object]] = _Localised((
    {"date": dt.date(2021, 5, 26),
     "what": _Text("the MDR applies", "le MDR s'applique"),
     "source": _Text("Regulation (EU) 2017/745, Art. 123(2), as amended by Regulation (EU) "
                     "2020/561",
                     "Règlement (UE) 2017/745, art. 123, paragraphe 2, tel que modifié par le "
                     "règlement (UE) 2020/561")},
    {"date": dt.date(2024, 7, 12),
     "what": _Text("the AI Act is published in the Official Journal",
                   "le règlement sur l'IA est publié au Journal officiel"),
     "source": _AI_ACT},
    {"date": dt.date(2024, 11, 18),
     "what": _Text("the Product Liability Directive is published",
                   "la directive sur la responsabilité du fait des produits défectueux est "
                   "publiée"),
     "source": _Text("Directive (EU) 2024/2853, OJ L, 2024/2853, 18.11.2024",
                     "Directive (UE) 2024/2853, JO L, 2024/2853, 18.11.2024")},
    {"date": dt.date(2025, 2, 6),
     "what": _Text("Commission guidelines on the AI system definition",
                   "lignes directrices de la Commission sur la définition d'un système d'IA"),
     "source": _Text("European Commission, C(2025) 924 final, 6 February 2025",
                     "Commission européenne, C(2025) 924 final, 6 février 2025")},
    {"date": dt.date(2026, 12, 9),
     "what": _Text("transposition deadline of the Product Liability Directive; it covers "
                   "products placed on the market after that date",
                   "date limite de transposition de la directive sur la responsabilité du "
                   "fait des produits défectueux ; elle couvre les produits mis sur le marché "
                   "après cette date"),
     "source": _Text("Directive (EU) 2024/2853, Art. 2(1) and 22(1)",
                     "Directive (UE) 2024/2853, art. 2, paragraphe 1, et art. 22, "
                     "paragraphe 1")},
    {"date": CHECKED_ON,
     "what": _Text("status of this module last checked",
                   "dernière vérification de l'état du droit dans ce module"),
     "source": "aimed"},
))

_ROUTES = {"annex I": "high-risk, Annex I (e.g. MDR devices)",
           "annex III": "high-risk, Annex III (e.g. triage)"}


def _timeline(status: str | None = None) -> list[dict[str, object]]:
    """The entries (with their English names) of one status, sorted by date then name."""
    entries = [e for e in _TIMELINE if status is None or e["status"] == status]
    return sorted(entries, key=lambda e: (e["date"], e["short"]))


def _table(entries: list[dict[str, object]]) -> pd.DataFrame:
    table = pd.DataFrame(entries)
    for column in ("date", "source_date"):
        table[column] = pd.to_datetime(table[column])
    return table


def ai_act_timeline(status: str | None = None) -> pd.DataFrame:
    """The AI Act's dates of application as a table, sorted by date.

    Parameters
    ----------
    status : {"law", "superseded", "proposed"} or None, default None
        Keep only the entries with this status (see :data:`STATUSES`); None keeps all.

    Returns
    -------
    pandas.DataFrame
        Columns ``short``, ``date``, ``provision``, ``status``, ``source`` and
        ``source_date`` (dates as pandas Timestamps). The texts are in the learner's
        language (``AIMED_LANG``): with ``fr``, ``short``, ``status`` (« en vigueur »,
        « remplacé », « proposé »), ``provision`` and ``source`` are in French.

    Examples
    --------
    >>> law = ai_act_timeline("law")
    >>> law.loc[law["short"] == "entry into force", "date"].dt.date.item()
    datetime.date(2024, 8, 1)
    """
    if status is not None:
        status = _checks.check_choice("status", status, list(STATUSES))
    return _table([_shown_entry(e) for e in _timeline(status)])


def omnibus_procedure() -> pd.DataFrame:
    """The steps of the Digital Omnibus on AI (:data:`OMNIBUS_PROCEDURE`) as a table."""
    return _table(list(OMNIBUS_PROCEDURE))


def high_risk_date(route: str) -> dt.date:
    """The date from which the high-risk chapter applies, by route, in the law in force.

    Parameters
    ----------
    route : {"annex I", "annex III"}
        ``"annex I"``: Art. 6(1), products such as medical devices that need a third-party
        conformity assessment; ``"annex III"``: Art. 6(2), listed uses such as emergency
        patient triage.

    Examples
    --------
    >>> high_risk_date("annex III")
    datetime.date(2027, 12, 2)
    """
    route = _checks.check_choice("route", route, list(_ROUTES))
    (entry,) = [e for e in _timeline("law") if e["short"] == _ROUTES[route]]
    return entry["date"]  # type: ignore[return-value]


def in_application(day: dt.date) -> pd.DataFrame:
    """The entries of the law in force whose date of application has come by ``day``.

    Examples
    --------
    >>> "new prohibitions" in set(in_application(dt.date(2026, 12, 2))["short"])
    True
    """
    if not isinstance(day, dt.date):
        raise _checks.SocietyValueError(t("society.error.choice", name="day",
                                          choices=["a datetime.date"], got=repr(day)))
    law = ai_act_timeline("law")
    return law[law["date"] <= pd.Timestamp(day)].reset_index(drop=True)


def plot_ai_act_timeline(ax=None):
    """Draw the AI Act's dates of application: the law in force, and the superseded dates.

    Filled circles are the dates of the law in force; open circles the two high-risk dates
    of the 2024 text that Regulation (EU) 2026/1744 replaced, with an arrow to the new
    date. Proposed-only entries are not drawn. Returns the matplotlib ``Axes``.
    """
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    from aimed import plotting

    if ax is None:
        _, ax = plt.subplots(figsize=(10, 4.6))
    law = _table([_pick(e) for e in _timeline("law")])  # English names: the keys below
    rows = {short: len(law) - 1 - i for i, short in enumerate(law["short"])}
    ax.plot(law["date"], law["short"].map(rows), "o", ms=9, color=plotting.colour("blue"),
            label=t("society.plot_ai_act_timeline.law"))
    day_format = t("society.plot_ai_act_timeline.day_format")
    for x, y in zip(law["date"], law["short"].map(rows), strict=True):
        ax.annotate(x.strftime(day_format), (x, y), xytext=(0, 8), textcoords="offset points",
                    ha="center", fontsize=8)
    old = _table([_pick(e) for e in _timeline("superseded")])
    new_row = {"high-risk, Annex III (2024 text)": _ROUTES["annex III"],
               "high-risk, Annex I (2024 text)": _ROUTES["annex I"]}
    for x, short in zip(old["date"], old["short"], strict=True):
        target = new_row[short]
        y = rows[target]
        ax.annotate("", xy=(law.set_index("short").loc[target, "date"], y), xytext=(x, y),
                    arrowprops={"arrowstyle": "->", "color": plotting.colour("vermillion")})
        ax.plot([x], [y], "o", ms=9, mfc="none", color=plotting.colour("vermillion"),
                label=t("society.plot_ai_act_timeline.superseded")
                if short == old["short"].iloc[0]
                else None)
    ax.set_yticks(list(rows.values()), [_short_label(short) for short in rows])
    ax.set_ylim(-0.7, len(rows) - 0.2)
    ax.xaxis.set_major_locator(mdates.YearLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    plotting.finish(ax, t("society.plot_ai_act_timeline.title",
                          checked=CHECKED_ON.strftime(day_format)),
                    t("society.plot_ai_act_timeline.x_axis"),
                    t("society.plot_ai_act_timeline.y_axis"), legend=False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncols=1)
    return ax

# ------------------------------------------------------------------ MDR: qualification first

#: The decision steps of MDCG 2019-11 (section 3) that decide whether software is medical
#: device software (MDSW) at all, before any class is given.
MDCG_STEPS: Sequence[str] = _Localised((
    _Text("1. Is the product software (a set of instructions that processes input data and "
          "creates output data)?",
          "1. Le produit est-il un logiciel (un ensemble d'instructions qui traite des données "
          "d'entrée et produit des données de sortie) ?"),
    _Text("2. Is it an Annex XVI product, an accessory, or software driving or influencing a "
          "(hardware) medical device? Then it is covered together with that device.",
          "2. Est-ce un produit de l'annexe XVI, un accessoire, ou un logiciel qui pilote un "
          "dispositif médical (matériel) ou influence son utilisation ? Il relève alors du "
          "même cadre que ce dispositif."),
    _Text("3. Does it perform an action on data other than storage, archival, communication "
          "or simple search (on this course's reading, showing readings unchanged adds no "
          "such action)? If not: not MDSW.",
          "3. Effectue-t-il sur les données une action autre que le stockage, l'archivage, la "
          "communication ou la simple recherche (selon la lecture de ce cours, afficher des "
          "mesures telles quelles n'ajoute aucune action de ce type) ? Sinon : pas un MDSW."),
    _Text("4. Is the action for the benefit of individual patients? If not: not MDSW.",
          "4. L'action est-elle menée au bénéfice de patients individuels ? Sinon : pas un "
          "MDSW."),
    _Text("5. Is its intended purpose one of the medical purposes of MDR Art. 2(1) "
          "(diagnosis, prevention, monitoring, prediction, prognosis, treatment...)? If not: "
          "not MDSW.",
          "5. Sa destination est-elle l'une des fins médicales de l'art. 2, point 1, du MDR "
          "(diagnostic, prévention, contrôle, prédiction, pronostic, traitement...) ? Sinon : "
          "pas un MDSW."),
))

_NOT_A_DEVICE = "not a medical device"
_CLASS_LABELS = {_NOT_A_DEVICE: _Text(_NOT_A_DEVICE, "pas un dispositif médical")}
_CLASSES = (_NOT_A_DEVICE, "I", "IIa", "IIb", "III")

#: The classes Rule 11 can give, plus "not a medical device" (qualification failed), in
#: the learner's language.
MDR_RULE11_CLASSES: Sequence[str] = _Localised(_CLASSES, lambda c: _label(c, _CLASS_LABELS))

_BRANCH_LABELS = {
    "not MDSW: only stores, communicates or displays":
        "pas un MDSW : ne fait que stocker, communiquer ou afficher",
    "not MDSW: not for individual patients":
        "pas un MDSW : pas au bénéfice de patients individuels",
    "not MDSW: no medical purpose": "pas un MDSW : pas de fin médicale",
    "decision: death or irreversible": "décision : mort ou détérioration irréversible",
    "decision: serious or surgery": "décision : détérioration grave ou chirurgie",
    "decision: other": "décision : autre",
    "monitoring: vital, immediate danger": "contrôle : paramètres vitaux, danger immédiat",
    "monitoring: other": "contrôle : autre",
    "other MDSW": "autre MDSW",
}
_BRANCH_LABELS = {en: _Text(en, fr) for en, fr in _BRANCH_LABELS.items()}
_BRANCHES = tuple(_BRANCH_LABELS)

#: The branches a classification ends in: a failed MDCG step, or a branch of Rule 11, in
#: the learner's language (the second value :func:`classify_software` returns).
BRANCHES: Sequence[str] = _Localised(_BRANCHES, lambda b: _label(b, _BRANCH_LABELS))

_PURPOSES = ("decision", "monitoring", "other")
_IMPACTS = ("death or irreversible", "serious or surgery", "other")


def _branch(code: str) -> str:
    return _label(code, _BRANCH_LABELS)


def _check_bool(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise _checks.SocietyValueError(t("society.error.choice", name=name,
                                          choices=[True, False], got=repr(value)))
    return value


def qualify_software(*, acts_on_data: bool, individual_patients: bool,
                     medical_purpose: bool) -> tuple[bool, str]:
    """Whether software is medical device software, by steps 3-5 of MDCG 2019-11.

    Parameters
    ----------
    acts_on_data : bool
        True if the software does more with the data than store, archive, communicate,
        simply search or display them unchanged (step 3).
    individual_patients : bool
        True if that action is for the benefit of individual patients (step 4).
    medical_purpose : bool
        True if the manufacturer's intended purpose is a medical purpose of MDR
        Art. 2(1) (step 5).

    Returns
    -------
    (bool, str)
        Whether it is MDSW, and the branch of :data:`BRANCHES` (``"MDSW"`` if it is), in
        the learner's language.

    Examples
    --------
    >>> qualify_software(acts_on_data=False, individual_patients=True, medical_purpose=True)
    (False, 'not MDSW: only stores, communicates or displays')
    """
    acts_on_data = _check_bool("acts_on_data", acts_on_data)
    individual_patients = _check_bool("individual_patients", individual_patients)
    medical_purpose = _check_bool("medical_purpose", medical_purpose)
    if not acts_on_data:
        return False, _branch(_BRANCHES[0])
    if not individual_patients:
        return False, _branch(_BRANCHES[1])
    if not medical_purpose:
        return False, _branch(_BRANCHES[2])
    return True, "MDSW"


def mdr_rule11_class(purpose: str, impact: str = "other", *,
                     vital_immediate_danger: bool = False) -> tuple[str, str]:
    """The class MDR Annex VIII Rule 11 gives to medical device software, and the branch.

    Use it only once :func:`qualify_software` has found the software to be MDSW. Rule 11
    (MDR Annex VIII, point 6.3), in short:

    * software intended to provide information used to take decisions with diagnostic
      or therapeutic purposes is class IIa, except where such decisions have an impact
      that may cause death or an irreversible deterioration of health (class III) or a
      serious deterioration of health or a surgical intervention (class IIb);
    * software intended to monitor physiological processes is class IIa, or IIb when it
      monitors vital physiological parameters whose variations could result in
      immediate danger to the patient;
    * all other software is class I.

    Parameters
    ----------
    purpose : {"decision", "monitoring", "other"}
        What the software is intended to do.
    impact : {"death or irreversible", "serious or surgery", "other"}, default "other"
        For ``"decision"`` software: the worst impact that decisions taken on its
        information may have on a patient.
    vital_immediate_danger : bool, default False
        For ``"monitoring"`` software: whether it monitors vital parameters whose
        variations could result in immediate danger.

    Returns
    -------
    (str, str)
        The class (one of :data:`MDR_RULE11_CLASSES` other than "not a medical device")
        and the branch (one of :data:`BRANCHES`, in the learner's language).

    Examples
    --------
    >>> mdr_rule11_class("decision", "serious or surgery")
    ('IIb', 'decision: serious or surgery')
    """
    purpose = _checks.check_choice("purpose", purpose, _PURPOSES)
    impact = _checks.check_choice("impact", impact, _IMPACTS)
    vital_immediate_danger = _check_bool("vital_immediate_danger", vital_immediate_danger)
    if purpose == "decision":
        cls = {"death or irreversible": "III", "serious or surgery": "IIb"}.get(impact, "IIa")
        return cls, _branch(f"decision: {impact}")
    if purpose == "monitoring":
        if vital_immediate_danger:
            return "IIb", _branch("monitoring: vital, immediate danger")
        return "IIa", _branch("monitoring: other")
    return "I", _branch("other MDSW")


def ai_act_high_risk(mdr_class: str, *, ai_system: bool, annex_iii_use: bool = False) -> bool:
    """Whether a product is a high-risk AI system, in the two routes that matter here.

    The question comes after two others: is it an **AI system** (Art. 3(1): a
    machine-based system that infers from its input how to generate outputs such as
    predictions or recommendations; the Commission guidelines C(2025) 924 exclude, for
    example, basic data processing and simple prediction systems)? If not, the AI Act's
    high-risk rules do not apply at all. Then:

    * Art. 6(1) with Annex I section A: a medical device (or its safety component) whose
      conformity assessment involves a notified body. Under Rule 11 that is class IIa,
      IIb or III; class I software is self-certified by its manufacturer;
    * Art. 6(2) with Annex III: a listed use, such as emergency healthcare patient
      triage (point 5(d)), whatever its MDR status.

    Parameters
    ----------
    mdr_class : str
        One of :data:`MDR_RULE11_CLASSES` ("not a medical device" may also be given in
        French, as :func:`classify_software` returns it with ``AIMED_LANG=fr``).
    ai_system : bool
        Whether the product is an AI system in the sense of Art. 3(1).
    annex_iii_use : bool, default False
        Whether the intended use is listed in Annex III.

    Examples
    --------
    >>> ai_act_high_risk("IIa", ai_system=False)
    False
    """
    if mdr_class == _CLASS_LABELS[_NOT_A_DEVICE].fr:
        mdr_class = _NOT_A_DEVICE
    elif mdr_class != _NOT_A_DEVICE:
        mdr_class = _checks.check_choice("mdr_class", mdr_class, MDR_RULE11_CLASSES)
    ai_system = _check_bool("ai_system", ai_system)
    annex_iii_use = _check_bool("annex_iii_use", annex_iii_use)
    if not ai_system:
        return False
    return annex_iii_use or mdr_class in ("IIa", "IIb", "III")


#: Products for practice. ``acts_on_data``, ``individual_patients`` and
#: ``medical_purpose`` answer MDCG 2019-11 steps 3-5; ``purpose``, ``impact`` and
#: ``vital_immediate_danger`` answer Rule 11; ``ai_system`` answers AI Act Art. 3(1).
#: ``description`` and ``why`` are read in the learner's language.
SCENARIOS: Mapping[str, dict[str, object]] = _LocalisedMapping({
    "stroke-ct": {
        "description": _Text(
            "A deep-learning model that analyses the brain CT of patients with acute stroke "
            "symptoms and tells the neurologist whether it sees a haemorrhage, to support "
            "the decision on thrombolysis.",
            "Un modèle d'apprentissage profond qui analyse le scanner cérébral des patients "
            "présentant des symptômes d'AVC aigu et indique au neurologue s'il voit une "
            "hémorragie, pour étayer la décision de thrombolyse."),
        "acts_on_data": True, "individual_patients": True, "medical_purpose": True,
        "purpose": "decision", "impact": "death or irreversible",
        "vital_immediate_danger": False, "ai_system": True, "annex_iii_use": False,
        "why": _Text(
            "it analyses images for one patient's treatment decision, and a missed "
            "haemorrhage can lead to thrombolysis into a bleed: death or irreversible harm",
            "il analyse des images pour la décision de traitement d'un patient, et une "
            "hémorragie manquée peut conduire à une thrombolyse sur un saignement : mort ou "
            "dommage irréversible"),
    },
    "icu-monitor": {
        "description": _Text(
            "A machine-learning module on the ICU monitor that tracks heart rate, blood "
            "pressure and oxygen saturation and raises an alarm when it predicts a "
            "life-threatening change.",
            "Un module d'apprentissage automatique intégré au moniteur des soins intensifs, "
            "qui suit la fréquence cardiaque, la pression artérielle et la saturation en "
            "oxygène, et déclenche une alarme lorsqu'il prédit une dégradation menaçant le "
            "pronostic vital."),
        "acts_on_data": True, "individual_patients": True, "medical_purpose": True,
        "purpose": "monitoring", "impact": "other",
        "vital_immediate_danger": True, "ai_system": True, "annex_iii_use": False,
        "why": _Text(
            "it monitors vital parameters whose variations are an immediate danger",
            "il surveille des paramètres vitaux dont les variations représentent un danger "
            "immédiat"),
    },
    "home-bp": {
        "description": _Text(
            "An app that receives a hypertensive patient's home blood-pressure readings from "
            "the cuff and shows them, unchanged, as a table and a time plot to the GP at the "
            "next visit.",
            "Une application qui reçoit du tensiomètre les mesures de pression artérielle "
            "prises à domicile par un patient hypertendu, et les montre telles quelles au "
            "médecin généraliste, en tableau et en courbe, à la consultation suivante."),
        "acts_on_data": False, "individual_patients": True, "medical_purpose": True,
        "purpose": "monitoring", "impact": "other",
        "vital_immediate_danger": False, "ai_system": False, "annex_iii_use": False,
        "why": _Text(
            "it only stores, transmits and displays the readings; it computes nothing on "
            "them (MDCG 2019-11 step 3), and nothing is inferred, so it is no AI system "
            "either",
            "elle ne fait que stocker, transmettre et afficher les mesures ; elle ne calcule "
            "rien à partir d'elles (MDCG 2019-11, étape 3) et ne déduit rien : ce n'est donc "
            "pas non plus un système d'IA"),
    },
    "bed-planning": {
        "description": _Text(
            "A machine-learning model that forecasts tomorrow's number of free beds per ward "
            "from admissions, discharges and the operating schedule, for the hospital's bed "
            "managers.",
            "Un modèle d'apprentissage automatique qui prévoit le nombre de lits libres du "
            "lendemain dans chaque unité, à partir des admissions, des sorties et du "
            "programme opératoire, pour les gestionnaires de lits de l'hôpital."),
        "acts_on_data": True, "individual_patients": False, "medical_purpose": False,
        "purpose": "other", "impact": "other",
        "vital_immediate_danger": False, "ai_system": True, "annex_iii_use": False,
        "why": _Text(
            "it acts on data for the hospital's logistics, not for the benefit of individual "
            "patients (MDCG 2019-11 step 4); bed management is not an Annex III use",
            "il agit sur des données pour la logistique de l'hôpital, pas au bénéfice de "
            "patients individuels (MDCG 2019-11, étape 4) ; la gestion des lits n'est pas un "
            "usage de l'annexe III"),
    },
})


def classify_software(name: str) -> tuple[str, str]:
    """The MDR class and the branch of one of the :data:`SCENARIOS`: qualification, then Rule 11.

    Both are in the learner's language: with ``AIMED_LANG=fr``, "not a medical device" is
    « pas un dispositif médical » and the branch is the French one of :data:`BRANCHES`.

    Examples
    --------
    >>> classify_software("home-bp")
    ('not a medical device', 'not MDSW: only stores, communicates or displays')
    """
    name = _checks.check_choice("name", name, list(SCENARIOS))
    s = SCENARIOS[name]
    is_mdsw, branch = qualify_software(acts_on_data=s["acts_on_data"],
                                       individual_patients=s["individual_patients"],
                                       medical_purpose=s["medical_purpose"])
    if not is_mdsw:
        return _label(_NOT_A_DEVICE, _CLASS_LABELS), branch
    return mdr_rule11_class(s["purpose"], s["impact"],
                            vital_immediate_danger=s["vital_immediate_danger"])

# ------------------------------------------------------------------ who must do what

#: The five abilities Art. 14(4) of the AI Act requires the provider to build in, so that
#: the people the deployer assigns to oversight are enabled to exercise them
#: (paraphrased from Regulation (EU) 2024/1689).
ART14_OVERSIGHT: Sequence[str] = _Localised((
    _Text("understand the system's capacities and limitations and monitor its operation",
          "comprendre les capacités et les limites du système et surveiller son "
          "fonctionnement"),
    _Text("remain aware of automation bias (over-relying on the system's output)",
          "rester conscient du biais d'automatisation (se fier excessivement aux sorties du "
          "système)"),
    _Text("correctly interpret the system's output",
          "interpréter correctement les sorties du système"),
    _Text("decide not to use the system, or disregard, override or reverse its output",
          "décider de ne pas utiliser le système, ou d'ignorer, de remplacer ou d'inverser sa "
          "sortie"),
    _Text("intervene in or interrupt the system with a 'stop' button or similar procedure",
          "intervenir dans le fonctionnement du système ou l'interrompre au moyen d'un "
          "bouton d'arrêt ou d'une procédure similaire"),
))

_PROVIDER = _Text("provider (AI Act)", "fournisseur (règlement sur l'IA)")

#: Who carries which duty or liability for a high-risk AI medical device, with the source.
RESPONSIBILITIES: Sequence[dict[str, str]] = _Localised((
    {"who": _PROVIDER,
     "duty": _Text("designs and develops the system so that natural persons can oversee it "
                   "effectively while it is in use (a design requirement)",
                   "conçoit et développe le système de sorte que des personnes physiques "
                   "puissent le contrôler effectivement pendant son utilisation (une exigence "
                   "de conception)"),
     "source": _Text("Regulation (EU) 2024/1689, Art. 14(1)-(4)",
                     "Règlement (UE) 2024/1689, art. 14, paragraphes 1 à 4")},
    {"who": _PROVIDER,
     "duty": _Text("ensures compliance with the high-risk requirements, runs a quality "
                   "management system, keeps documentation and logs, undergoes conformity "
                   "assessment, CE marking and registration, takes corrective action",
                   "veille au respect des exigences applicables aux systèmes à haut risque, "
                   "dispose d'un système de gestion de la qualité, conserve la documentation "
                   "et les journaux, se soumet à l'évaluation de la conformité, au marquage CE "
                   "et à l'enregistrement, prend les mesures correctives nécessaires"),
     "source": _Text("Regulation (EU) 2024/1689, Art. 16 and 17",
                     "Règlement (UE) 2024/1689, art. 16 et 17")},
    {"who": _Text("deployer (AI Act), e.g. the hospital",
                  "déployeur (règlement sur l'IA), p. ex. l'hôpital"),
     "duty": _Text("uses the system according to its instructions; assigns human oversight to "
                   "natural persons who have the necessary competence, training and "
                   "authority, and supports them; monitors operation, informs the provider, "
                   "suspends use when it presents a risk; keeps the logs it controls for at "
                   "least six months",
                   "utilise le système conformément à sa notice d'utilisation ; confie le "
                   "contrôle humain à des personnes physiques qui disposent des compétences, "
                   "de la formation et de l'autorité nécessaires, et leur apporte le soutien "
                   "nécessaire ; surveille le fonctionnement, informe le fournisseur, suspend "
                   "l'utilisation lorsque le système présente un risque ; conserve les "
                   "journaux qu'il contrôle pendant au moins six mois"),
     "source": _Text("Regulation (EU) 2024/1689, Art. 26(1), (2), (5) and (6)",
                     "Règlement (UE) 2024/1689, art. 26, paragraphes 1, 2, 5 et 6")},
    {"who": _Text("manufacturer (MDR)", "fabricant (MDR)"),
     "duty": _Text("general obligations of the manufacturer: risk management, clinical "
                   "evaluation, quality management, technical documentation, post-market "
                   "surveillance and vigilance; financial coverage for liability for "
                   "defective devices",
                   "obligations générales du fabricant : gestion des risques, évaluation "
                   "clinique, gestion de la qualité, documentation technique, surveillance "
                   "après commercialisation et vigilance ; couverture financière de sa "
                   "responsabilité du fait des dispositifs défectueux"),
     "source": _Text("Regulation (EU) 2017/745, Art. 10, in particular Art. 10(16)",
                     "Règlement (UE) 2017/745, art. 10, en particulier paragraphe 16")},
    {"who": _Text("manufacturer (product liability)",
                  "fabricant (responsabilité du fait des produits)"),
     "duty": _Text("no-fault liability for damage caused by a defective product; software is "
                   "a product; for products placed on the market after 9 December 2026, the "
                   "transposition deadline",
                   "responsabilité sans faute pour les dommages causés par un produit "
                   "défectueux ; un logiciel est un produit ; pour les produits mis sur le "
                   "marché après le 9 décembre 2026, date limite de transposition"),
     "source": _Text("Directive (EU) 2024/2853, Art. 2(1), 4(1) and 22(1)",
                     "Directive (UE) 2024/2853, art. 2, paragraphe 1, art. 4, point 1, et "
                     "art. 22, paragraphe 1")},
    {"who": _Text("clinician", "clinicien"),
     "duty": _Text("professional duty of care, and civil, disciplinary or criminal liability "
                   "for one's own acts; not harmonised by the AI Act, the MDR or the Product "
                   "Liability Directive",
                   "devoir de diligence professionnelle, et responsabilité civile, "
                   "disciplinaire ou pénale pour ses propres actes ; ni le règlement sur l'IA, "
                   "ni le MDR, ni la directive sur la responsabilité du fait des produits "
                   "défectueux ne les harmonisent"),
     "source": _Text("national law of the member state", "droit national de l'État membre")},
))


@dataclass
class ModelCard:
    """A model card: the short, standard report that should travel with a clinical model.

    The sections follow Mitchell et al., *Model cards for model reporting*, FAT* 2019,
    pp. 220-229, doi:10.1145/3287560.3287596. The ``human_oversight`` section is added in
    this course: it names who oversees the model and how (compare AI Act Art. 13(3)(d) and
    14). A card summarises; the full report of a prediction model follows TRIPOD+AI
    (Collins et al., BMJ 2024;385:e078378, doi:10.1136/bmj-2023-078378).

    Every field is free text except ``quantitative_analyses``, a table of per-group
    metrics such as :func:`aimed.society.fairness.group_metrics` returns; ``extra`` holds
    further titled sections.
    """

    model_details: str = ""
    intended_use: str = ""
    out_of_scope_uses: str = ""
    factors: str = ""
    metrics: str = ""
    evaluation_data: str = ""
    training_data: str = ""
    quantitative_analyses: pd.DataFrame | None = None
    ethical_considerations: str = ""
    caveats_and_recommendations: str = ""
    human_oversight: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def missing_sections(self) -> list[str]:
        """Names of the sections that are still empty."""
        out = []
        for f in fields(self):
            if f.name == "extra":
                continue
            value = getattr(self, f.name)
            empty = value is None or (isinstance(value, str) and not value.strip()) or (
                isinstance(value, pd.DataFrame) and value.empty)
            if empty:
                out.append(f.name)
        return out

    def to_markdown(self) -> str:
        """Render the card as Markdown (show it with ``IPython.display.Markdown``).

        Raises
        ------
        ValueError
            If a section is empty: an incomplete card must not look finished.
        """
        missing = self.missing_sections()
        if missing:
            raise _checks.SocietyValueError(t("society.error.card_missing", missing=missing))
        lines = [f"# {t('society.model_card.title')}", ""]
        for f in fields(self):
            if f.name == "extra":
                continue
            title = t(f"society.model_card.{f.name}")
            value = getattr(self, f.name)
            text = (_markdown_table(value) if isinstance(value, pd.DataFrame)
                    else str(value).strip())
            lines += [f"## {title}", "", text, ""]
        for title, text in self.extra.items():
            lines += [f"## {title}", "", text.strip(), ""]
        return "\n".join(lines)


def _markdown_table(table: pd.DataFrame) -> str:
    """A small Markdown table (index first), numbers rounded to 3 significant digits.

    In English the column names are shown as they are (``tpr``, ``ppv``...); in another
    language the course's metric names, ``group`` and ``overall`` are shown translated.
    """
    def cell(v: object) -> str:
        if isinstance(v, float):
            return f"{v:.3g}"
        return str(v)

    def name(v: object, key: str) -> str:
        if language() == DEFAULT_LANGUAGE:
            return str(v)
        from aimed import plotting

        return plotting.known_text(f"{key}{v}", str(v))

    header = [name(table.index.name or "", "society.plot."),
              *(name(c, "society.plot.metric.") for c in table.columns)]
    rows = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for index, row in table.iterrows():
        rows.append("| " + " | ".join([name(index, "society.plot."),
                                       *map(cell, row.tolist())]) + " |")
    return "\n".join(rows)
