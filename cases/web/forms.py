"""The action forms of the case page: one form class, built from each action's declaration (cases/actions.py).

The fields are named exactly as the service's keyword arguments (cases/web/fields.py), so
`service_kwargs()` is passed straight to the action's service and an `ActionError.field` lands next to
its field.
"""

from django import forms

from cases.actions import ACTIONS
from cases.errors import ActionError
from cases.models import Case
from cases.workflow import ACTION_LABELS, Action


class ActionForm(forms.Form):
    """The form of one action on one case, declared in cases/actions.py."""

    def __init__(self, action: Action | str, case: Case, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.action = Action(action)
        self.spec = ACTIONS[self.action].form
        self.case = case
        self.user = user
        self.suggestion = None
        for name, make in self.spec.fields:
            self.fields[name] = make(self)

    @property
    def label(self) -> str:
        return ACTION_LABELS[self.action]

    @property
    def has_photos(self) -> bool:
        return "photos" in self.fields

    def service_kwargs(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields if name in self.cleaned_data}

    def add_action_error(self, error: ActionError) -> None:
        """A refusal from the service, next to the field it names (or above the form)."""
        self.add_error(error.field if error.field in self.fields else None, error.message)

    def photos_dropped(self, files) -> int:
        """How many photos the browser sent with a submit that failed: they must be chosen again."""
        return len(files.getlist("photos")) if self.has_photos and files else 0
