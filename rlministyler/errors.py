"""The one exception type the command line turns into a one-line message and exit code 2."""


class UserError(Exception):
    """A problem with the user's input or environment, reported without a traceback."""
