"""Regulation and accountability of medical AI in the EU, as data with sources and dates.

Two texts decide most obligations of a medical AI product in the EU:

* the **Medical Device Regulation** (MDR), Regulation (EU) 2017/745 [1]_. Software with
  a medical purpose is a medical device; Annex VIII **Rule 11** sets its risk class,
  and from class IIa upwards a notified body must assess it. The Medical Device
  Coordination Group explains and illustrates Rule 11 in MDCG 2019-11 [2]_;
* the **AI Act**, Regulation (EU) 2024/1689 [3]_. An AI system that is (or is a safety
  component of) a product covered by the legislation in its Annex I, such as the MDR,
  and that needs a third-party conformity assessment is **high-risk** (Art. 6(1)).
  Annex III adds use-based high-risk areas, among them emergency healthcare patient
  triage systems (point 5(d)). High-risk systems must allow effective **human
  oversight** (Art. 14): the people overseeing them must be able to understand the
  system's limits, stay aware of automation bias, interpret its output, decide not to
  use it or to disregard, override or reverse it, and stop it.

Dates of application are labelled with the date and source of the information,
because the AI Act's timetable was being amended by the "digital omnibus" [4]_ [5]_.

This module is teaching material, not legal advice.

References
----------
.. [1] Regulation (EU) 2017/745 on medical devices, OJ L 117, 5.5.2017, Annex VIII,
   Chapter III, Rule 11. https://eur-lex.europa.eu/eli/reg/2017/745/oj
.. [2] MDCG 2019-11 Guidance on qualification and classification of software in
   Regulation (EU) 2017/745 and Regulation (EU) 2017/746, October 2019 (Rev.1 June
   2025). https://health.ec.europa.eu/medical-devices-sector/new-regulations/guidance-mdcg-endorsed-documents-and-other-guidance_en
.. [3] Regulation (EU) 2024/1689 laying down harmonised rules on artificial intelligence
   (Artificial Intelligence Act), OJ L, 12.7.2024, Art. 6, 14 and 113, Annex III.
   https://eur-lex.europa.eu/eli/reg/2024/1689/oj
.. [4] European Commission. Digital omnibus on AI: proposal of 19 November 2025 to
   amend Regulation (EU) 2024/1689.
.. [5] Heuking Kühn Lüer Wojtek. AI Omnibus 2026: trilogue agreement on amendments to the
   AI Act (newsletter, 1 July 2026): European Parliament adoption 16 June 2026, Council
   adoption 29 June 2026, publication in the Official Journal to follow, entry into
   force on the third day after publication.
   https://www.heuking.de/en/news-events/newsletter-articles/detail/ai-omnibus-2026-trilogue-agreement-on-amendments-to-the-ai-act-brings-longer-deadlines-and-less-bureaucracy.html
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields

import pandas as pd

from aimed.i18n import t
from aimed.society import _checks

__all__ = [
    "AI_ACT_TIMELINE",
    "ART14_OVERSIGHT",
    "MDR_RULE11_CLASSES",
    "SCENARIOS",
    "ModelCard",
    "ai_act_high_risk",
    "ai_act_timeline",
    "mdr_rule11_class",
]

#: The classes Rule 11 can give, plus "not a medical device" (no medical purpose).
MDR_RULE11_CLASSES: tuple[str, ...] = ("not a medical device", "I", "IIa", "IIb", "III")

_PURPOSES = ("decision", "monitoring", "other medical", "no medical purpose")
_IMPACTS = ("death or irreversible", "serious or surgery", "other")

#: The five abilities Art. 14(4) of the AI Act requires for the people overseeing a
#: high-risk AI system (paraphrased from Regulation (EU) 2024/1689).
ART14_OVERSIGHT: tuple[str, ...] = (
    "understand the system's capacities and limitations and monitor its operation",
    "remain aware of automation bias (over-relying on the system's output)",
    "correctly interpret the system's output",
    "decide not to use the system, or disregard, override or reverse its output",
    "intervene in or interrupt the system with a 'stop' button or similar procedure",
)

_REG = "Regulation (EU) 2024/1689, Art. 113 (OJ L, 12.7.2024)"
_OMNIBUS = ("Digital omnibus on AI as adopted by the European Parliament (16 June 2026) "
            "and the Council (29 June 2026), reported by Heuking, 1 July 2026")

#: Milestones of the AI Act: what applies when, with the source and the date of the
#: information ("as of"). ``original`` is the date in the 2024 text; ``amended`` the
#: date in the digital omnibus (None when the omnibus did not move it).
AI_ACT_TIMELINE: tuple[dict[str, object], ...] = (
    {"short": "entry into force",
     "milestone": "entry into force", "original": dt.date(2024, 8, 1), "amended": None,
     "source": _REG, "as_of": dt.date(2024, 7, 12)},
    {"short": "prohibitions, AI literacy",
     "milestone": "prohibited practices and AI literacy (Chapters I-II)",
     "original": dt.date(2025, 2, 2), "amended": None, "source": _REG,
     "as_of": dt.date(2024, 7, 12)},
    {"short": "general-purpose AI, penalties",
     "milestone": "general-purpose AI models, governance, penalties",
     "original": dt.date(2025, 8, 2), "amended": None, "source": _REG,
     "as_of": dt.date(2024, 7, 12)},
    {"short": "high-risk: Annex III uses (e.g. triage)",
     "milestone": "high-risk systems of Annex III (e.g. emergency patient triage); the "
                  "rest of the Act keeps its general application date of 2 August 2026",
     "original": dt.date(2026, 8, 2), "amended": dt.date(2027, 12, 2),
     "source": f"{_REG}; {_OMNIBUS}", "as_of": dt.date(2026, 7, 1)},
    {"short": "high-risk: AI medical devices, Art. 6(1)",
     "milestone": "high-risk systems under Art. 6(1): products of Annex I such as "
                  "medical devices (MDR, IVDR)",
     "original": dt.date(2027, 8, 2), "amended": dt.date(2028, 8, 2),
     "source": f"{_REG}; {_OMNIBUS}", "as_of": dt.date(2026, 7, 1)},
)


def ai_act_timeline() -> pd.DataFrame:
    """The AI Act milestones as a table, one row each, with their sources and "as of" dates."""
    table = pd.DataFrame(list(AI_ACT_TIMELINE))
    for column in ("original", "amended", "as_of"):
        table[column] = pd.to_datetime(table[column])
    return table


def mdr_rule11_class(purpose: str, impact: str = "other", *,
                     vital_immediate_danger: bool = False) -> str:
    """The class MDR Annex VIII Rule 11 gives to a piece of medical device software.

    Rule 11, in short:

    * software that provides information used to take decisions with diagnostic or
      therapeutic purposes is class IIa, or IIb if such decisions may cause a serious
      deterioration of health or a surgical intervention, or III if they may cause
      death or an irreversible deterioration;
    * software that monitors physiological processes is class IIa, or IIb when it
      monitors vital parameters whose variations could result in immediate danger;
    * all other (medical device) software is class I.

    Parameters
    ----------
    purpose : {"decision", "monitoring", "other medical", "no medical purpose"}
        What the software is intended to do. ``"no medical purpose"`` (for example bed
        management or billing) means it is not a medical device at all.
    impact : {"death or irreversible", "serious or surgery", "other"}, default "other"
        For ``"decision"`` software: the worst impact a wrong decision based on it may
        have on a patient.
    vital_immediate_danger : bool, default False
        For ``"monitoring"`` software: whether it monitors vital parameters whose
        variations could result in immediate danger to the patient.

    Returns
    -------
    str
        One of :data:`MDR_RULE11_CLASSES`.
    """
    purpose = _checks.check_choice("purpose", purpose, _PURPOSES)
    impact = _checks.check_choice("impact", impact, _IMPACTS)
    if not isinstance(vital_immediate_danger, bool):
        raise _checks.SocietyValueError(t("society.error.choice", name="vital_immediate_danger",
                                          choices=[True, False],
                                          got=repr(vital_immediate_danger)))
    if purpose == "no medical purpose":
        return "not a medical device"
    if purpose == "decision":
        return {"death or irreversible": "III", "serious or surgery": "IIb"}.get(impact, "IIa")
    if purpose == "monitoring":
        return "IIb" if vital_immediate_danger else "IIa"
    return "I"


def ai_act_high_risk(mdr_class: str, *, annex_iii_use: bool = False) -> bool:
    """Whether an AI system is high-risk under the AI Act, in the two routes that matter here.

    * Art. 6(1) with Annex I: a medical device whose conformity assessment needs a
      notified body. For software under Rule 11 this is class IIa, IIb or III; class I
      software is self-certified by its manufacturer (no notified body).
    * Art. 6(2) with Annex III: a listed use, such as emergency healthcare patient
      triage (point 5(d)), whatever its MDR status.

    Parameters
    ----------
    mdr_class : str
        One of :data:`MDR_RULE11_CLASSES`.
    annex_iii_use : bool, default False
        Whether the intended use is listed in Annex III.
    """
    mdr_class = _checks.check_choice("mdr_class", mdr_class, MDR_RULE11_CLASSES)
    return bool(annex_iii_use) or mdr_class in ("IIa", "IIb", "III")


#: Scenarios for practice: the Rule 11 branch that applies, the class and whether the
#: product is high-risk under the AI Act. Each one follows the wording of Rule 11.
SCENARIOS: dict[str, dict[str, object]] = {
    "stroke-ct": {
        "description": "Software that analyses brain CT of patients with acute stroke "
                       "symptoms and tells the neurologist whether a haemorrhage is "
                       "present, to decide on thrombolysis.",
        "purpose": "decision", "impact": "death or irreversible",
        "vital_immediate_danger": False, "mdr_class": "III", "high_risk": True,
        "why": "a wrong decision (thrombolysis in a haemorrhage) can cause death",
    },
    "icu-monitor": {
        "description": "An AI module on the ICU monitor that tracks heart rate, blood "
                       "pressure and oxygen saturation and raises alarms for "
                       "life-threatening changes.",
        "purpose": "monitoring", "impact": "other", "vital_immediate_danger": True,
        "mdr_class": "IIb", "high_risk": True,
        "why": "it monitors vital parameters whose variations are an immediate danger",
    },
    "home-bp": {
        "description": "An app that collects a hypertensive patient's home blood-pressure "
                       "readings and shows the trend to the GP at the next visit.",
        "purpose": "monitoring", "impact": "other", "vital_immediate_danger": False,
        "mdr_class": "IIa", "high_risk": True,
        "why": "it monitors a physiological process, but not for immediate danger",
    },
    "bed-planning": {
        "description": "A model that forecasts tomorrow's number of free beds per ward "
                       "for the hospital's bed managers.",
        "purpose": "no medical purpose", "impact": "other",
        "vital_immediate_danger": False, "mdr_class": "not a medical device",
        "high_risk": False,
        "why": "it serves logistics, not the diagnosis or treatment of a patient",
    },
}


@dataclass
class ModelCard:
    """A model card: the short, standard report that should travel with a clinical model.

    The sections follow Mitchell et al., *Model cards for model reporting*, FAT* 2019,
    doi:10.1145/3287560.3287596, with a section on human oversight added for the
    AI Act (Art. 14).

    Every field is free text except ``quantitative_analyses``, a table of per-group
    metrics such as :func:`aimed.society.fairness.group_metrics` returns.
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
        lines = ["# Model card", ""]
        for f in fields(self):
            if f.name == "extra":
                continue
            title = f.name.replace("_", " ").capitalize()
            value = getattr(self, f.name)
            text = (_markdown_table(value) if isinstance(value, pd.DataFrame)
                    else str(value).strip())
            lines += [f"## {title}", "", text, ""]
        for title, text in self.extra.items():
            lines += [f"## {title}", "", text.strip(), ""]
        return "\n".join(lines)


def _markdown_table(table: pd.DataFrame) -> str:
    """A small Markdown table (index first), numbers rounded to 3 significant digits."""
    def cell(v: object) -> str:
        if isinstance(v, float):
            return f"{v:.3g}"
        return str(v)

    header = [str(table.index.name or ""), *map(str, table.columns)]
    rows = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for index, row in table.iterrows():
        rows.append("| " + " | ".join([str(index), *map(cell, row.tolist())]) + " |")
    return "\n".join(rows)
