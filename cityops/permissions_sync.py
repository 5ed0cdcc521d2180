"""Keep one Group per role, with the permissions ROLE_PERMISSIONS gives it. Runs after every migrate."""

from fnmatch import fnmatch

from cityops.roles import ROLE_PERMISSIONS, Role


def sync_role_groups(**kwargs):
    from django.contrib.auth.models import Group, Permission

    perms = list(Permission.objects.select_related("content_type"))
    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.value)
        patterns = ROLE_PERMISSIONS[role]
        wanted = [
            p
            for p in perms
            if any(fnmatch(f"{p.content_type.app_label}.{p.codename}", pattern) for pattern in patterns)
        ]
        group.permissions.set(wanted)
