"""Errors caused by the user's input: shown as one clear line, never as a traceback."""


class UserError(ValueError):
    """A problem in the user's data or options; the message names it and the fix."""


class DataError(UserError):
    """A data file or its contents cannot be used."""
