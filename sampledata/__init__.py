"""The sample-data generator (示例数据): the bundled years data/sample/2014 and 2015, written deterministically.

`sampledata.generator` plans and writes the workbooks (`write_sample`, `build_plan`, `planted_quirks`),
from the name pools and project kinds in `sampledata/names.yaml` and the rule numbers of
`rubrics/self_eval.yaml`; `python -m sampledata write --all` rewrites them. Importing this package is cheap: it loads only the
paths below, the generator (openpyxl, YAML) is imported where it is used.
"""

import os

# The committed workbooks are openpyxl's standard-library writer's bytes. With lxml installed (python-docx brings it)
# openpyxl would write the same cells as other bytes (character references), so the sample pins the writer; this
# must run before openpyxl is first imported (tests/conftest.py does the same for the test process).
os.environ.setdefault("OPENPYXL_LXML", "False")

from sampledata.paths import SAMPLE_DIR, SAMPLE_YEAR, SAMPLE_YEARS, sample_dir

__all__ = ["SAMPLE_DIR", "SAMPLE_YEAR", "SAMPLE_YEARS", "sample_dir"]
