"""Import every command module so each registers on the app (in pipeline order, as --help lists them)."""

from . import ingest  # noqa: F401
from . import train  # noqa: F401
from . import link  # noqa: F401
from . import runcheck  # noqa: F401
from . import evaluate  # noqa: F401
from . import bidnn_libsvm  # noqa: F401
from . import media  # noqa: F401
from . import curate  # noqa: F401
from . import serve  # noqa: F401
