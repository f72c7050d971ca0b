"""python -m pysandbox.cli: the `pysandbox` command (bench/report.py runs it so)."""
import sys

from pysandbox.cli import main

sys.exit(main())
