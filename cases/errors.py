"""Why an action was refused, in words a person can act on. The API maps each to its status code."""


class ActionError(Exception):
    status_code = 400

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(ActionError):
    """Bad input (400): names the field."""

    status_code = 400


class ActionForbidden(ActionError):
    """Wrong role or outside the actor's scope (403)."""

    status_code = 403


class ActionRefused(ActionError):
    """Not allowed in the case's current state, or in conflict with what is already there (409)."""

    status_code = 409


class AlreadySubmitted(Exception):
    """A report sent again with the submission key of one already saved (a retry after a lost answer,
    a double tap): nothing new is written; `case` is the case the first submission made."""

    def __init__(self, case):
        super().__init__(f"already submitted as {case.number}")
        self.case = case
