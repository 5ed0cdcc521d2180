"""Keep one Group per role, with the permissions ROLE_PERMISSIONS gives it. Runs after every migrate."""

from fnmatch import fnmatch

from django.db import DEFAULT_DB_ALIAS

from core.roles import ROLE_PERMISSIONS, Role


def role_permission_names(role: Role, names: list[str]) -> list[str]:
    """The "app_label.codename" names among `names` that the role's patterns grant."""
    patterns = ROLE_PERMISSIONS[role]
    return [name for name in names if any(fnmatch(name, pattern) for pattern in patterns)]


def sync_role_groups(using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    from django.contrib.auth.models import Group, Permission

    # Every app's post_migrate calls this; each run is a handful of queries, and the last run sees the
    # permissions of every app. The groups are the source of truth only for the patterns: permissions
    # added by hand to a role group are removed, so ROLE_PERMISSIONS stays the one place to change.
    perms = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.using(using).select_related("content_type")
    }
    names = list(perms)
    for role in Role:
        group, _ = Group.objects.using(using).get_or_create(name=role.value)
        group.permissions.set([perms[name] for name in role_permission_names(role, names)])
