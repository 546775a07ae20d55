"""Module 3 of the course: AI, digital care and society.

* :mod:`aimed.society.fairness`: per-group metrics with fairlearn, calibration by group,
  group thresholds that equalise the false-negative rate;
* :mod:`aimed.society.privacy`: quasi-identifiers, k-anonymity, l-diversity,
  generalisation, and a Laplace mechanism for differential privacy;
* :mod:`aimed.society.teaming`: a simulated clinician with automation bias, and deferral
  of uncertain AI cases under a workload budget;
* :mod:`aimed.society.regulation`: MDR Rule 11, AI Act high-risk status and dates (with
  sources and "as of" dates), and a model card;
* :mod:`aimed.society.plots`: the figures of the lessons.

The synthetic datasets live in :mod:`aimed.data.society`.
"""

from aimed.society._checks import SocietyValueError

__all__ = ["SocietyValueError"]
