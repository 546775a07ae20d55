"""Module 3 of the course: AI, digital care and society.

* :mod:`aimed.society.fairness`: per-group metrics with fairlearn, calibration by group,
  group thresholds that equalise the false-negative rate;
* :mod:`aimed.society.privacy`: quasi-identifiers, k-anonymity, l-diversity,
  generalisation, and a Laplace mechanism for differential privacy;
* :mod:`aimed.society.teaming`: a simulated clinician with automation bias, comparison of
  an AI with a reader at matched specificity, and deferral policies (AI deciding both
  ends, rule-out triage with a safety net) judged at a sensitivity floor;
* :mod:`aimed.society.regulation`: MDCG 2019-11 qualification then MDR Rule 11, AI system
  and high-risk status, the AI Act's dates of application as data (law, superseded or
  proposed, each with its source and date), who is responsible for what, and a model card;
* :mod:`aimed.society.plots`: the figures of the lessons.

The synthetic datasets live in :mod:`aimed.data.society`.
"""

from aimed.society._checks import SocietyValueError

__all__ = ["SocietyValueError"]
