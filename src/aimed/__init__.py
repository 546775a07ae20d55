"""aimed: interactive notebooks that teach AI in Medicine and Digital Health.

The notebooks import small, tested building blocks from this package:

- :mod:`aimed.data`: offline datasets (shipped files, datasets bundled in other
  wheels, seeded generators);
- :mod:`aimed.feedback`: friendly, strict self-checks for learners and tests;
- :mod:`aimed.plotting`: one colour-blind-safe figure style;
- :mod:`aimed.evaluate`: clinical metrics on top of scikit-learn;
- :mod:`aimed.imaging` and :mod:`aimed.signals`: CT windowing, ECG R-peaks.

Sub-packages are imported lazily so that ``import aimed`` stays fast.
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]
