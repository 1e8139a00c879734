"""A minimal Django site that serves django-oauth-toolkit, for the tests (../fixtures.py)."""
