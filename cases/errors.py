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
