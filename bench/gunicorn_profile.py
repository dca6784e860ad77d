"""gunicorn settings for profiling verify under load (bench only): each worker profiles
the requests it serves with pyinstrument (bench.profiling.ProfileMiddleware) and, when
it exits, writes their combined session to BENCH_PROFILE_DIR."""

import os
from pathlib import Path


def worker_exit(server, worker):
    from bench import profiling

    if profiling.collected is not None:
        folder = Path(os.environ["BENCH_PROFILE_DIR"])
        profiling.collected.save(str(folder / f"worker-{os.getpid()}.pyisession"))
