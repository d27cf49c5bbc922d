"""The store: SQLAlchemy schema, migrations and the only code that touches SQL."""

from .records import DURATION_SLACK, FeatureSpace, IngestReport, ModelRecord, SegmentMatrix
from .store import Store, database_url
from .writer import Writer

__all__ = ["Store", "Writer", "FeatureSpace", "IngestReport", "ModelRecord", "SegmentMatrix", "database_url", "DURATION_SLACK"]
