"""``python -m geo.cli``: the same as the ``contexts`` command."""

import sys

from geo.cli.main import main

sys.exit(main())
