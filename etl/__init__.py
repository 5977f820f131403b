"""Forms in: read, parse, check and commit through store/; `python -m etl` is its command line."""


from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

MAX_UPLOAD_MB = 50  # one upload (a workbook or a .zip of many) in the browser: .streamlit/config.toml maxUploadSize


def build_sample_database(path: Path, progress: Any = None) -> Any:
    """Build the bundled sample year into `path` (see etl.build); imported lazily to keep start-up light."""
    from etl.build import build_sample_database as build

    return build(path, progress=progress)


def load_uploads(con: Any, uploads: Sequence[tuple[str, bytes]], actor: Any,
                 progress: Callable[[int, int, str], None] | None = None) -> list[Any]:
    """Check and load files uploaded in the browser on behalf of `actor` (see etl.load.load_uploads): FileReports."""
    from etl.load import load_uploads as load

    return list(load(con, uploads, actor, progress=progress))
