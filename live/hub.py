"""The reading side of the live feed, one per web process (docs/architecture.md, "The wall").

A process holds one `Hub`: a single task that reads new `LiveEvent` rows (woken by Redis PUBLISH on
live.relay.LIVE_CHANNEL, or every POLL_SECONDS without Redis, and every SAFETY_POLL_SECONDS anyway in
case a wake-up was lost) and keeps the last RING rows in memory. Each connected wall or staff page is a
coroutine waiting on the hub's condition, so 550 connections cost 550 small coroutines, not 550 threads
or 550 database or Redis connections. A client that asks for rows older than the ring reads them from the
table once (a reconnecting screen), then follows the ring.

Ids are handed out before commit, so rows can appear out of id order for a moment; the hub never hands
out a row beyond a missing id unless the missing id stays missing for GAP_SECONDS (a rolled back insert).
"""

import asyncio
import logging
import time
import weakref
from collections import deque

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections, connections

from live.models import LiveEvent

log = logging.getLogger(__name__)
RING = 2000
POLL_SECONDS = 0.5
SAFETY_POLL_SECONDS = 5.0
GAP_SECONDS = 2.0
BATCH = 500


def _read_after(after: int, limit: int = BATCH) -> list[dict]:
    close_old_connections()
    try:
        return [e.as_message() for e in LiveEvent.objects.filter(id__gt=after).order_by("id")[:limit]]
    finally:
        # These run on shared worker threads outside any request: nothing else would close them.
        connections.close_all()


def _last_id() -> int:
    close_old_connections()
    try:
        return LiveEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    finally:
        # These run on shared worker threads outside any request: nothing else would close them.
        connections.close_all()


read_after = sync_to_async(_read_after, thread_sensitive=False)
last_id = sync_to_async(_last_id, thread_sensitive=False)


class Hub:
    def __init__(self):
        self.ring: deque[dict] = deque(maxlen=RING)
        self.cursor = 0
        self.changed = asyncio.Condition()
        self.wakeup = asyncio.Event()
        self.task: asyncio.Task | None = None
        self.listener: asyncio.Task | None = None
        self.gap_since: float | None = None
        self.connections = 0

    async def start(self) -> None:
        if self.task is not None:
            return
        self.cursor = await last_id()
        self.task = asyncio.create_task(self._run())
        if settings.REDIS_URL:
            self.listener = asyncio.create_task(self._listen())

    async def _listen(self) -> None:
        import redis.asyncio as aioredis

        from live.relay import LIVE_CHANNEL

        while True:
            try:
                client = aioredis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2)
                async with client.pubsub() as pubsub:
                    await pubsub.subscribe(LIVE_CHANNEL)
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            self.wakeup.set()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis gone: the safety poll carries on; try again shortly
                log.warning("实时事件订阅中断：%s", exc)
                await asyncio.sleep(2)

    async def _run(self) -> None:
        interval = SAFETY_POLL_SECONDS if settings.REDIS_URL else POLL_SECONDS
        while True:
            try:
                await asyncio.wait_for(self.wakeup.wait(), timeout=interval)
            except TimeoutError:
                pass
            self.wakeup.clear()
            try:
                await self.fetch()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # database restarting: the next round tries again
                log.warning("实时事件读取失败：%s", exc)
                await asyncio.sleep(1)

    async def fetch(self) -> None:
        rows = await read_after(self.cursor)
        fresh = []
        expected = self.cursor + 1
        for row in rows:
            if row["id"] != expected and self.cursor:
                # A hole: an insert not committed yet, or one rolled back. Wait for it a little.
                now = time.monotonic()
                self.gap_since = self.gap_since or now
                if now - self.gap_since < GAP_SECONDS:
                    self.wakeup.set()  # look again soon
                    await asyncio.sleep(0.05)
                    break
            self.gap_since = None
            fresh.append(row)
            expected = row["id"] + 1
            self.cursor = row["id"]
        if fresh:
            self.ring.extend(fresh)
            async with self.changed:
                self.changed.notify_all()
        if len(rows) == BATCH:
            self.wakeup.set()

    async def after(self, after: int, timeout: float) -> list[dict] | None:
        """Rows with id > after, waiting up to timeout for some; None when `after` is too old to replay."""
        if self.ring and after < self.ring[0]["id"] - 1 or not self.ring and after < self.cursor:
            rows = await read_after(after)
            if rows and rows[0]["id"] != after + 1 and after and await _pruned_past(after):
                return None
            return [r for r in rows if r["id"] <= self.cursor]
        found = [r for r in self.ring if r["id"] > after]
        if found:
            return found
        async with self.changed:
            try:
                await asyncio.wait_for(self.changed.wait(), timeout=timeout)
            except TimeoutError:
                return []
        return [r for r in self.ring if r["id"] > after]


async def _pruned_past(after: int) -> bool:
    def oldest_id():
        try:
            return LiveEvent.objects.order_by("id").values_list("id", flat=True).first()
        finally:
            connections.close_all()

    oldest = await sync_to_async(oldest_id, thread_sensitive=False)()
    return oldest is None or oldest > after + 1


# One hub per event loop (one loop per process under uvicorn; tests run several one after another).
_hubs: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub]" = weakref.WeakKeyDictionary()


async def hub() -> Hub:
    """This event loop's hub (one per process under uvicorn; tests may run several loops)."""
    loop = asyncio.get_running_loop()
    found = _hubs.get(loop)
    if found is None:
        found = _hubs[loop] = Hub()
        await found.start()
    return found
