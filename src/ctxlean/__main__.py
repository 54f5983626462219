import sys

from ctxlean.cli import main

sys.exit(main())
