"""Take screenshots of the learner's JupyterLab: the Start page and one lesson mid-way.

Usage (from the repository root)::

    make screenshots                      # or:
    .venv/bin/python scripts/screenshots.py [--lesson notebooks/m2-.../01-....ipynb] [--lang fr]

Screenshots land in ``artifacts/screenshots/``. JupyterLab runs with the learner
configuration (``aimed.lab``) on a throwaway copy of the workspace; Chromium is Debian's.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aimed.workspace import START_PAGE, prepare  # noqa: E402
from tests.browser.lab import (  # noqa: E402
    CHROMIUM_FLAGS,
    JS_RUN_ALL,
    JS_SCROLL_TO_MIDDLE,
    JS_WAIT_NOTEBOOK,
    LabServer,
    chromium_path,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lesson", default="notebooks/m1-foundations/01-health-data.ipynb",
                        help="lesson to run and photograph mid-way (path from the repo root)")
    parser.add_argument("--lang", choices=["en", "fr"], default="en")
    parser.add_argument("--out", type=Path, default=ROOT / "artifacts" / "screenshots")
    args = parser.parse_args(argv)
    executable = chromium_path()
    if executable is None:
        print("Chromium is missing: run scripts/ensure-chromium", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        workspace, state = Path(tmp) / "workspace", Path(tmp) / "state"
        state.mkdir()
        prepare(workspace, root=ROOT)
        with LabServer(workspace, state, lang=args.lang) as lab, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.set_default_timeout(120_000)
            page.goto(f"{lab.url}/?token={lab.token}")
            page.wait_for_function(JS_WAIT_NOTEBOOK, arg=START_PAGE, polling=250)
            start = args.out / f"start-here-{args.lang}.png"
            page.screenshot(path=str(start))
            page.goto(lab.lab_url(args.lesson))
            page.wait_for_function(JS_WAIT_NOTEBOOK, arg=args.lesson, polling=250)
            page.evaluate(JS_RUN_ALL)
            page.evaluate(JS_SCROLL_TO_MIDDLE)
            page.wait_for_timeout(800)
            lesson = args.out / f"{Path(args.lesson).stem}-middle-{args.lang}.png"
            page.screenshot(path=str(lesson))
            browser.close()
    print(f"wrote {start}\nwrote {lesson}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
