"""Shared specs of the authorisation matrix and the hostile-input tests."""
