"""`python -m hyperlink` = the `hyperlink` command."""

import sys

from .cli import main

sys.exit(main())
