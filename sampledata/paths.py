"""Where the bundled sample years live; tiny on purpose, so that etl/ can import it at start-up."""

from __future__ import annotations

from pathlib import Path

SAMPLE_YEAR = 2015  # the reference year (DOMAIN.md §1): the newest sample year
SAMPLE_YEARS = (2014, 2015)  # every bundled sample year, oldest first (the order they are loaded in)
REQUEST_FILE = "下年预算申报表.xlsx"  # a sample year's filled request sheet (sampledata.requests): not a form
SAMPLE_ROOT = Path(__file__).resolve().parent.parent / "data" / "sample"


def sample_dir(year: int) -> Path:
    """The folder of one sample year: data/sample/<year>/."""
    return SAMPLE_ROOT / str(year)


SAMPLE_DIR = sample_dir(SAMPLE_YEAR)
