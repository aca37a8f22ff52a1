"""Fixtures shared by several integration test modules (their worlds live in tests/)."""

from tests.admin_world import admin_client, org  # noqa: F401 (the admin tests' fixtures)
from tests.answering import alice  # noqa: F401 (the answering tests' signed-in member)
from tests.med_world import scene  # noqa: F401 (the MED tests' fixture)
