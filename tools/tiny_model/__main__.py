import sys

from tools.tiny_model.build import main

sys.exit(main())
