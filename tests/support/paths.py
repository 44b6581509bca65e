"""Where the recorded responses are."""

from pathlib import Path

FIXTURES = Path(__file__).parent.parent / "fixtures"
HF_FIXTURES = FIXTURES / "hf"
ARXIV_FIXTURES = FIXTURES / "arxiv"
