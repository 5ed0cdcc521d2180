"""Front-end packages from the npm registry (package.json), served as static files under `vendor/`.

`make install` runs `npm ci`; nothing third-party is copied into the repository and nothing is loaded
from a CDN. Only the files the pages use are exposed (`VENDOR_FILES`), so collectstatic copies a few
hundred kilobytes, not the whole of node_modules.
"""

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import Error, register
from django.core.files.storage import FileSystemStorage

# static path under vendor/ → path inside node_modules. A directory entry exposes every file in it.
VENDOR_FILES = {
    "pico/pico.min.css": "@picocss/pico/css/pico.min.css",
    "htmx/htmx.min.js": "htmx.org/dist/htmx.min.js",
    "leaflet/leaflet.js": "leaflet/dist/leaflet.js",
    # Source maps the minified files name: the manifest storage (production) refuses a dangling reference.
    "leaflet/leaflet.js.map": "leaflet/dist/leaflet.js.map",
    "leaflet/leaflet.css": "leaflet/dist/leaflet.css",
    "leaflet/images": "leaflet/dist/images",
    "markercluster/leaflet.markercluster.js": "leaflet.markercluster/dist/leaflet.markercluster.js",
    "markercluster/leaflet.markercluster.js.map": "leaflet.markercluster/dist/leaflet.markercluster.js.map",
    "markercluster/MarkerCluster.css": "leaflet.markercluster/dist/MarkerCluster.css",
    "markercluster/MarkerCluster.Default.css": "leaflet.markercluster/dist/MarkerCluster.Default.css",
    "chartjs/chart.umd.min.js": "chart.js/dist/chart.umd.min.js",
    "chartjs/chart.umd.min.js.map": "chart.js/dist/chart.umd.min.js.map",
}
PREFIX = "vendor"


def node_modules() -> Path:
    return Path(getattr(settings, "NODE_MODULES_DIR", settings.BASE_DIR / "node_modules"))


def _entries():
    """(static path, file on disk) for every exposed file."""
    root = node_modules()
    for static_path, source in VENDOR_FILES.items():
        source_path = root / source
        if source_path.is_dir():
            for file in sorted(p for p in source_path.rglob("*") if p.is_file()):
                yield f"{static_path}/{file.relative_to(source_path).as_posix()}", file
        else:
            yield static_path, source_path


class NodeModulesFinder(BaseFinder):
    """A staticfiles finder for the listed node_modules files (collectstatic, runserver, whitenoise)."""

    def find(self, path, find_all=False, **kwargs):
        if not path.startswith(PREFIX + "/"):
            return [] if find_all else None
        wanted = path[len(PREFIX) + 1 :]
        for static_path, file in _entries():
            if static_path == wanted and file.is_file():
                return [str(file)] if find_all else str(file)
        return [] if find_all else None

    def list(self, ignore_patterns):
        for static_path, file in _entries():
            if file.is_file():
                # collectstatic copies a file to storage.prefix/name: one storage per file makes the
                # static path independent of where the package keeps it.
                storage = FileSystemStorage(location=str(file.parent))
                storage.prefix = f"{PREFIX}/{static_path.rsplit('/', 1)[0]}"
                yield file.name, storage

    def check(self, **kwargs):
        return check_vendor_files()


def check_vendor_files():
    missing = [source for source in VENDOR_FILES.values() if not (node_modules() / source).exists()]
    if not missing:
        return []
    return [
        Error(
            f"Front-end packages are missing from {node_modules()}: {', '.join(missing)}.",
            hint="Run `make install` (it runs `npm ci` against the npm registry).",
            id="cityops.E001",
        )
    ]


@register()
def vendor_files_installed(app_configs, **kwargs):
    return check_vendor_files()
