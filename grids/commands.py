"""What the all-or-nothing import commands (import_grids, import_components) share."""

import sys
from collections.abc import Callable, Iterable

from django.core.management.base import CommandError
from tqdm import tqdm


def progress_bar(verbosity: int, threshold: int) -> Callable:
    """A tqdm factory for the importers: quiet for small files and at verbosity 0."""

    def progress(items: Iterable, desc: str, total: int):
        return tqdm(
            items, desc=desc, total=total, file=sys.stderr, disable=verbosity < 1 or total < threshold
        )

    return progress


def import_failed(errors: list) -> CommandError:
    listing = "\n".join(f"  - {error}" for error in errors)
    return CommandError(f"导入失败，未保存任何数据。共 {len(errors)} 个问题：\n{listing}")
