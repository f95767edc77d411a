"""Errors the storage layer raises with a one-line message for the person running the coach."""


class DatabaseError(Exception):
    """The database cannot be used; the message names the problem and the setting to look at."""


class TenantNotFound(LookupError):
    """No tenant has the given slug or id."""
