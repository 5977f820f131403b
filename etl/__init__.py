"""Forms in: read, parse, check and commit through store/; `python -m etl` is its command line."""


from pathlib import Path
from typing import Any


def build_sample_database(path: Path, progress: Any = None) -> Any:
    """Build the bundled sample year into `path` (see etl.build); imported lazily to keep start-up light."""
    from etl.build import build_sample_database as build

    return build(path, progress=progress)
