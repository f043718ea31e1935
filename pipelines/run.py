"""`python -m pipelines.run CONFIG.yaml`: validate a config, then run the job it names."""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from core.io import describe_os_error
from pipelines.executors import adopt_orphans, descendants, end_new_processes, silence_cluster_logs
from pipelines.registry import ConfigError, load_config
from synth.backends import BackendError

EXIT_IO_ERROR = 74  # sysexits' EX_IOERR: a full disk, a permission or device error stopped the job
EXIT_UNAVAILABLE = 69  # sysexits' EX_UNAVAILABLE: the model server is down, or the model is not served / cannot start


def main(argv: list[str] | None = None, *, reap: bool | None = None) -> int:
    """The CLI; `reap` (default: when called as the command, argv None) makes this process the
    reaper of orphaned descendants, so that none outlives a failed job."""
    reap = argv is None if reap is None else reap
    parser = argparse.ArgumentParser(prog="python -m pipelines.run", description=__doc__)
    parser.add_argument("config", type=Path, help="job config (YAML); its `kind` selects the job")
    parser.add_argument("--validate-only", action="store_true", help="check the config and exit")
    parser.add_argument("--json", action="store_true", help="print the run summary as JSON on stdout")
    parser.add_argument("-v", "--verbose", action="store_true", help="show every engine log line on stderr")
    parser.add_argument("--overwrite", action="store_true",
                        help="remove what a previous run left in the output folder and start over (default: resume it, "
                             "or refuse when its settings differ)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    module = None
    try:
        module, config = load_config(args.config)
        if args.validate_only:
            # Beyond the schema: the job's own checks of its inputs (globs, formats, columns).
            detail = module.check(config, args.config) if hasattr(module, "check") else None
            print(f"{args.config}: config is valid" + (f" ({detail})" if detail else ""))
            return 0
        extra = {}
        if args.overwrite:
            import inspect

            if "overwrite" not in inspect.signature(module.run).parameters:
                raise ConfigError(f"{args.config}: --overwrite: the `{module.__name__.rsplit('.', 1)[-1]}` job does not support it")
            extra["overwrite"] = True
        if reap:
            adopt_orphans()  # a worker's child whose parent died stays ours, and is ended below
        before = set(descendants(os.getpid()))
        try:
            summary = module.run(config, config_path=args.config, verbose=args.verbose, **extra)
        except BaseException:
            # Nothing the job started outlives a failed run (pool workers, their sandboxes, reporters):
            # what is still running after a grace period is killed, quietly (the job's one message
            # follows; a dask client's callbacks would log the closed connections).
            silence_cluster_logs()
            end_new_processes(before)
            raise
    except ConfigError as e:
        print(str(e), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; run the same command again to resume", file=sys.stderr)
        return 130
    except OSError as e:
        job = f"{module.__name__.rsplit('.', 1)[-1]} job" if module is not None else "the job"
        print(describe_os_error(e, job), file=sys.stderr)
        return EXIT_IO_ERROR
    except BackendError as e:  # synth.backends names the server / model and why; no traceback
        job = f"{module.__name__.rsplit('.', 1)[-1]} job" if module is not None else "the job"
        print(f"{job} stopped: {e}; finished work is kept, run the same command again to resume", file=sys.stderr)
        return EXIT_UNAVAILABLE
    if summary and args.json:
        print(json.dumps(summary, indent=2, default=str))
    return 0


def _exit(code: int) -> None:
    """Exit with `code`. The heap is frozen first (gc.freeze): the interpreter's last garbage
    collections then skip it instead of walking every object a job loaded (spaCy, the language-ID
    model, pandas; ~0.8 s after a crawl). Exit handlers still run; what sits in reference cycles is left
    to the operating system, like everything else of an exiting process."""
    import gc

    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    _exit(main())
