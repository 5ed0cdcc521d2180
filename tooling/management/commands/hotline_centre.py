"""manage.py hotline_centre: a simulated 12345 centre speaking docs/hotline-12345.md over HTTP.

It points the channel's API client at its own receiver, sends `--tickets` 派单 inside the district's
grids, then answers our pushes by its policy (延期 approved unless --deny-extension, 退单 denied unless
--approve-return, 回访 results from --satisfaction) until stopped or --seconds have passed.
"""

import random
import time
import urllib.error
import urllib.request

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cases import apikeys
from cases.models import ApiClient
from dispatch.models import Category
from grids.models import Grid
from tooling.hotline.centre import HotlineCentre, Policy

DESCRIPTIONS = [
    "小区门口垃圾堆了三天没人清",
    "人行道井盖松动，有人绊倒",
    "路灯不亮，晚上很黑",
    "路边占道经营严重",
]


class Command(BaseCommand):
    help = "模拟 12345 热线中心：派单、接收回推、按策略审批延期/退单、回访（docs/hotline-12345.md）"

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="本平台地址")
        parser.add_argument("--key", help="12345 渠道的 API 密钥（不给则为该客户端签发新密钥）")
        parser.add_argument("--secret", help="回推签名密钥（默认取该客户端的 webhook_secret）")
        parser.add_argument("--channel", default="12345")
        parser.add_argument("--listen", default="127.0.0.1:8765", help="接收回推的地址")
        parser.add_argument("--tickets", type=int, default=3, help="启动时派单数")
        parser.add_argument("--deny-extension", action="store_true")
        parser.add_argument("--approve-return", action="store_true")
        parser.add_argument("--satisfaction", default="satisfied", help="逗号分隔的回访结果，依次使用")
        parser.add_argument("--seconds", type=float, default=0, help="运行多久（0 为直到 Ctrl-C）")
        parser.add_argument("--seed", type=int, default=12345)

    def handle(self, *args, **opts):
        client = ApiClient.objects.filter(
            kind=ApiClient.Kind.HOTLINE, channel=opts["channel"], is_active=True
        ).first()
        if client is None:
            raise CommandError(f"没有已启用的 {opts['channel']} 热线客户端，请先在管理后台创建")
        key = opts["key"]
        if key and apikeys.client_for(key, kind=ApiClient.Kind.HOTLINE) != client:
            raise CommandError(f"--key 不是已启用的 {opts['channel']} 热线客户端的密钥")
        if not key:
            # Only the key's digest is stored: a simulator run without --key issues a new one (the
            # old key stops working, as after a rotation in the admin).
            key = apikeys.rotate_key(client)
            self.stdout.write(f"已为 {client.name} 签发新密钥 {client.key_prefix}…（旧密钥失效）")
        secret = opts["secret"] or apikeys.shared_secret(client)
        if not secret:
            secret = apikeys.rotate_webhook_secret(client)
        policy = Policy(
            approve_extension=not opts["deny_extension"],
            approve_return=opts["approve_return"],
            satisfaction=[s.strip() for s in opts["satisfaction"].split(",") if s.strip()],
        )
        centre = HotlineCentre(opts["url"], key, secret=secret, channel=opts["channel"], policy=policy)
        host, _, port = opts["listen"].rpartition(":")
        webhook = centre.start(host or "127.0.0.1", int(port))
        ApiClient.objects.filter(pk=client.pk).update(webhook_url=webhook)
        self.stdout.write(f"12345 模拟中心：回推地址 {webhook}")
        self._wait_for(opts["url"])
        rng = random.Random(opts["seed"])
        for n in range(opts["tickets"]):
            status, answer = centre.dispatch(self._ticket(rng, n))
            self.stdout.write(f"派单 → {status} {answer.get('ticket', answer)}")
        deadline = time.monotonic() + opts["seconds"] if opts["seconds"] else None
        try:
            while deadline is None or time.monotonic() < deadline:
                for kind, status, _body in centre.answer():
                    self.stdout.write(f"{kind} → {status}")
                time.sleep(1)
        except KeyboardInterrupt:
            pass
        finally:
            centre.stop()

    def _wait_for(self, url: str, seconds: float = 60) -> None:
        """The platform may still be starting (run_demo --hotline-centre starts us with it)."""
        deadline = time.monotonic() + seconds
        while True:
            try:
                urllib.request.urlopen(url.rstrip("/") + "/healthz", timeout=5)  # noqa: S310 - our platform
                return
            except urllib.error.HTTPError:
                return  # it answers
            except OSError:
                if time.monotonic() > deadline:
                    raise CommandError(f"平台 {url} 无法连接") from None
                time.sleep(1)

    def _ticket(self, rng: random.Random, n: int) -> dict:
        grid = Grid.objects.order_by("code").first()
        category = Category.objects.filter(is_active=True, kind=Category.Kind.EVENT).order_by("code").first()
        if grid is None or category is None:
            raise CommandError("请先导入网格和类别（make demo）")
        lng = grid.min_lng + (grid.max_lng - grid.min_lng) * (0.3 + 0.4 * rng.random())
        lat = grid.min_lat + (grid.max_lat - grid.min_lat) * (0.3 + 0.4 * rng.random())
        return {
            "ticket_no": f"SIM{timezone.now():%Y%m%d%H%M%S}{n:02d}",
            "received_at": timezone.now().isoformat(),
            "caller_name": "模拟来电",
            "caller_phone": "13900000000",
            "address": "模拟地址",
            "lng": lng,
            "lat": lat,
            "category_hint": category.code,
            "description": rng.choice(DESCRIPTIONS),
        }
