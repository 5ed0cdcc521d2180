"""Load the demo district (天津市河西区): areas, grids, departments, components and one user per role."""

import io
import time
import unicodedata

from django.conf import settings
from django.core.management.base import BaseCommand

from tooling.demo import load_demo
from tooling.demo.users import STREET_INSPECTORS, USERS


class Command(BaseCommand):
    help = "载入演示数据：天津市河西区的街道、社区、单元网格、部门、管理部件和演示用户（可重复运行）"

    def handle(self, *args, verbosity: int = 1, **options) -> None:
        started = time.monotonic()
        quiet = verbosity == 0
        step = (lambda line: None) if quiet else self.stdout.write
        result = load_demo(step=step, stdout=io.StringIO() if quiet else self.stdout)
        if quiet:
            return
        self.stdout.write(
            self.style.SUCCESS(f"\n演示数据就绪（{time.monotonic() - started:.1f} s）：")
            + f"街道 {result.streets}，社区 {result.communities}，单元网格 {result.grids}，"
            f"部门 {result.departments}，管理部件 {result.components}，用户 {result.users}"
        )
        when = (
            "已更新全部演示账号"
            if settings.DEMO_PASSWORD_GIVEN
            else "新建账号时设置；设 DEMO_PASSWORD 可改全部账号"
        )
        self.stdout.write(f"\n演示账号（密码均为 {settings.DEMO_PASSWORD}，{when}）：")
        for user in USERS:
            self.stdout.write(
                f"  {user.username:<14}{_pad(str(user.role.label), 12)}{_pad(user.full_name, 8)}{user.note}"
            )
        first, last = STREET_INSPECTORS[0].username, STREET_INSPECTORS[-1].username
        self.stdout.write(f"  {first} … {last}：各街道其余网格的监督员")


def _pad(text: str, width: int) -> str:
    """Left-align by display width: a CJK character takes two columns in a terminal."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(1, width - used)
