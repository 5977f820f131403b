"""Where the bundled sample year lives; tiny on purpose, so that etl/ can import it at start-up."""

from __future__ import annotations

from pathlib import Path

SAMPLE_YEAR = 2015
SAMPLE_DIR = Path(__file__).resolve().parent.parent / "data" / "sample" / str(SAMPLE_YEAR)
