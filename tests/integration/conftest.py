"""Fixtures shared by several integration test modules."""

from tests.admin_world import admin_client, org  # noqa: F401 (fixtures of the admin tests)
