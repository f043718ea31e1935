"""The ground floor: what every package shares, importing nothing of the project above it.

- `core.config`: `StrictModel`, `ConfigError`, `ConfigPath` and the one path rule (relative paths
  are relative to the config file), `load_model`, one error-message format
- `core.records`: every record schema (document, rejected, problem, grade, test result, rollout, manifest)
- `core.io`: atomic writes (`atomic_path`, `atomic_open`, `atomic_write_text`, `atomic_write_bytes`)
- `core.markup`: the extractor's markup format (`render`, `spans`, `mask`)
- `core.charset`: bytes of a web page → text (`decode_html`)
- `core.card`: dataset cards (`write_card`): the README.md that makes an output folder load as meant with `datasets`
- `core.progress`: progress bars for long work (`bar`): drawn on a terminal only

Submodules are imported where used (nothing is imported here), so `import core.records.grade` stays cheap.
"""

__all__ = ["config", "records", "io", "markup", "charset", "card", "progress"]
