"""python -m pysandbox: the `pysandbox` command."""
import sys

from pysandbox.cli import main

sys.exit(main())
