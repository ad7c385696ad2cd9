"""`python -m upel` runs the `upel` command."""

import sys

from upel.cli.main import main

sys.exit(main())
