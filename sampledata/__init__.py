"""The sample-data generator (示例数据): the bundled year data/sample/2015, written deterministically.

`sampledata.generator` plans and writes the workbooks (`write_sample`, `build_plan`, `planted_quirks`),
from the name pools in `sampledata/names.yaml` and the rule numbers of `rubrics/self_eval.yaml`;
`python -m sampledata write [DIR]` rewrites them. Importing this package is cheap: it loads only the
paths below, the generator (openpyxl, YAML) is imported where it is used.
"""

from sampledata.paths import SAMPLE_DIR, SAMPLE_YEAR

__all__ = ["SAMPLE_DIR", "SAMPLE_YEAR"]
