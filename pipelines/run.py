"""`python -m pipelines.run CONFIG.yaml`: validate a config, then run the job it names."""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from pipelines.registry import ConfigError, load_config


def main(argv: list[str] | None = None) -> int:
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
        summary = module.run(config, config_path=args.config, verbose=args.verbose, **extra)
    except ConfigError as e:
        print(str(e), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; run the same command again to resume", file=sys.stderr)
        return 130
    if summary and args.json:
        print(json.dumps(summary, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
