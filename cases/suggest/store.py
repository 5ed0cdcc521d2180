"""Model files on disk and the active version, loaded once per process.

A file is written under a temporary name and renamed into place (atomic on one file system), named by
its version and never overwritten; the version row records its sha256, which is checked before the file
is unpickled, so a half-copied or altered file is refused rather than loaded. The active version is one
row (a partial unique constraint allows one): switching is one transaction, and each process notices
the switch on its next suggestion (one indexed query) and loads the new file once.
"""

import hashlib
import logging
import os
import pickle
import tempfile
import threading
from pathlib import Path

from django.conf import settings

from cases.suggest.model import Suggester
from cases.suggest.models import SuggesterVersion

log = logging.getLogger(__name__)
_lock = threading.Lock()
_loaded: tuple[int, str, Suggester] | None = None  # (version id, sha256, model)


class ModelUnavailable(Exception):
    """No active version, or its file is missing or does not match its row."""


def model_dir() -> Path:
    return Path(settings.SUGGEST_MODEL_DIR)


def write(suggester: Suggester, name: str) -> tuple[str, str]:
    """Store the model as `name` under SUGGEST_MODEL_DIR; returns (name, sha256)."""
    folder = model_dir()
    folder.mkdir(parents=True, exist_ok=True)
    data = pickle.dumps(suggester, protocol=pickle.HIGHEST_PROTOCOL)
    digest = hashlib.sha256(data).hexdigest()
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the web processes may run as another user
        os.replace(tmp, folder / name)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return name, digest


def read(version: SuggesterVersion) -> Suggester:
    try:
        data = (model_dir() / version.artefact).read_bytes()
    except OSError as exc:
        raise ModelUnavailable(f"模型文件 {version.artefact} 无法读取：{exc}") from None
    if hashlib.sha256(data).hexdigest() != version.sha256:
        raise ModelUnavailable(f"模型文件 {version.artefact} 与版本记录的校验值不符")
    return pickle.loads(data)  # noqa: S301 — our own file, checked against the row's digest above


def active() -> tuple[SuggesterVersion, Suggester]:
    """The active version and its model (loaded once per process per version)."""
    global _loaded
    version = SuggesterVersion.objects.filter(is_active=True).first()
    if version is None:
        raise ModelUnavailable("还没有训练好的类别推荐模型")
    cached = _loaded
    if cached is not None and cached[0] == version.pk and cached[1] == version.sha256:
        return version, cached[2]
    with _lock:
        cached = _loaded
        if cached is None or cached[0] != version.pk or cached[1] != version.sha256:
            model = read(version)
            _loaded = (version.pk, version.sha256, model)
            log.info("类别推荐模型 v%s 已载入", version.pk)
        return version, _loaded[2]


def prune(keep: int) -> list[str]:
    """Delete the files of versions beyond the newest `keep` (never the active one); the rows stay."""
    removed = []
    versions = list(SuggesterVersion.objects.order_by("-created_at", "-id"))
    for version in versions[keep:]:
        if version.is_active:
            continue
        path = model_dir() / version.artefact
        if path.exists():
            path.unlink()
            removed.append(version.artefact)
    return removed
