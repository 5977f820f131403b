"""`python -m sampledata`: see sampledata/cli.py."""

import sys

from sampledata.cli import main

sys.exit(main())
