"""The application's settings plus one bare view, to measure the stack's own cost."""

from icpportal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
