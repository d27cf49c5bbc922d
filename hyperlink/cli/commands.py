"""Import every command module so each registers on the app."""

from . import ingest  # noqa: F401
from . import evaluate  # noqa: F401
from . import bidnn_libsvm  # noqa: F401
from . import train  # noqa: F401
from . import link  # noqa: F401
from . import runcheck  # noqa: F401
