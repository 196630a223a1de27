"""Record shapes shared by every stage.

Each record is a dataclass whose fields carry their Arrow type, so the Python mirror and the Parquet
schema cannot drift apart. This package imports nothing else from repairpack.
"""
from schemas.commit import COMMIT_SCHEMA, CommitRecord
from schemas.reject import REJECT_SCHEMA, Reject

__all__ = ["COMMIT_SCHEMA", "CommitRecord", "REJECT_SCHEMA", "Reject"]
