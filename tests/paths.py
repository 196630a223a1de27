"""Where the tests find the project's own files, wherever a test module sits in the tree."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
SAMPLES = ROOT / "samples"
# The shipped bundles as a run with no inputs names them (owner/name from their folder and file).
SAMPLE_BUNDLES = [f"{p}={p.parent.name}/{p.stem}" for p in sorted((SAMPLES / "git").glob("*/*.bundle"))]
