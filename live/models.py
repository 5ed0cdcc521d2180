"""The live feed: one row per case event, written after the writer's transaction commits.

Its id is the feed's sequence: a wall that reconnects sends the last id it applied (SSE Last-Event-ID,
or `after=` when polling) and gets exactly the rows after it. Rows are kept for LIVE_KEEP_HOURS
(a beat task prunes them); a wall whose id is older than the oldest row reloads its snapshot.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LiveEvent(models.Model):
    kind = models.CharField(_("类型"), max_length=24)
    case_id = models.BigIntegerField(_("案件"), null=True, db_index=False)
    department_id = models.BigIntegerField(null=True, blank=True)
    grid_id = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("实时事件")
        verbose_name_plural = _("实时事件")
        ordering = ["id"]

    def __str__(self):
        return f"{self.pk} {self.kind} {self.case_id}"

    def as_message(self) -> dict:
        return {
            "id": self.pk,
            "kind": self.kind,
            "department_id": self.department_id,
            "grid_id": self.grid_id,
            **self.data,
        }
