import sys

from voice_agent.direct.cli import main

sys.exit(main())
