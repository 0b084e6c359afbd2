"""``python -m specgen``: write every version profile's ``specs/inference-<version>.yaml``."""

import sys

from specgen.document import main

sys.exit(main(sys.argv[1:]))
