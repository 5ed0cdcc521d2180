"""Settings for the intake bench's gunicorn only (tooling/bench/intake.py): the product's settings with
a URLconf that adds the bench's ceiling view. Never used by the product or the demo."""

from cityops.settings import *  # noqa: F403

ROOT_URLCONF = "tooling.bench.bench_urls"
