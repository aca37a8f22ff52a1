"""Fixtures shared by several integration test modules (their worlds live in tests/)."""

from tests.admin_world import admin_client, org  # noqa: F401 (the admin tests' fixtures)
from tests.med_world import scene  # noqa: F401 (the MED tests' fixture)
