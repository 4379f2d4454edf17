"""The storage tests' SeaweedFS (tests/support/seaweed.py): one per test process."""

from tests.support.seaweed import session_seaweed  # noqa: F401 (a fixture)
