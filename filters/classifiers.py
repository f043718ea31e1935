"""Document classifiers: one fastText model per dimension, trained from a labels Parquet.

    python -m filters.classifiers train LABELS.parquet --dimension domain -o models/domain.bin
    python -m filters.classifiers evaluate models/domain.bin LABELS.parquet --dimension domain

Dimensions (`DIMENSIONS`): `domain` and `content_type` are categories; `reasoning_depth`,
`knowledge_density` and `educational_value` are 0–5 scales. A labels Parquet has a `text` column
and one column per dimension it labels (null = no label, e.g. an annotation answer that could not
be parsed); the annotation job (`synth.annotate`) writes exactly that.

Scores become document columns (`core.records.document.CLASSIFIER_FIELDS`): a category dimension
writes its most likely label (`cls_<dim>`) and that label's probability (`cls_<dim>_prob`); a scale
writes its expected value Σ p(k)·k (`cls_<dim>`, 0.0–5.0, FineWeb-Edu's regression-style score).

fastText (fasttext-numpy2) was chosen for CPU throughput (docs/classifiers.md); its tokenizer splits on
whitespace only, so `normalize` lower-cases the text and spaces out punctuation and markup (`$`, ```),
which carry much of the math/code signal, with one C-level `str.translate`.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from datatrove.data import Document
from datatrove.pipeline.base import PipelineStep

__all__ = [
    "DIMENSIONS", "Dimension", "Classifier", "ClassifierScores", "normalize", "train", "evaluate", "metrics",
    "split_held_out", "read_labels", "columns_for",
]


@dataclass(frozen=True)
class Dimension:
    name: str
    labels: tuple[str, ...]
    kind: str  # "category" | "scale"
    description: str


SCALE = tuple(str(i) for i in range(6))
DIMENSIONS: dict[str, Dimension] = {
    d.name: d
    for d in [
        Dimension("domain", ("math", "code", "science", "humanities", "other"), "category",
                  "subject: math, code, science/engineering, humanities, everyday/other"),
        Dimension("content_type", ("ads", "news", "job_posting", "forum", "tutorial", "reference", "fiction", "other"),
                  "category", "what the page is: ads, news, job posting, forum/Q&A, tutorial/how-to, reference, "
                  "fiction/creative, other"),
        Dimension("reasoning_depth", SCALE, "scale", "0–5: how much multi-step reasoning the text shows"),
        Dimension("knowledge_density", SCALE, "scale", "0–5: how much factual/technical knowledge per word"),
        Dimension("educational_value", SCALE, "scale", "0–5: FineWeb-Edu-style educational value"),
    ]
}


def columns_for(dimension: str) -> list[str]:
    """The document columns a dimension writes."""
    d = DIMENSIONS[dimension]
    return [f"cls_{d.name}", f"cls_{d.name}_prob"] if d.kind == "category" else [f"cls_{d.name}"]


# ----------------------------------------------------------------------------- text
# Characters split off as their own tokens. str.replace per character (a C memchr/memcpy pass over the
# text each) is ~10x faster than str.translate with a multi-character table, which builds the result
# one character at a time (measured: 1,600 vs 16,000+ 2 KB texts per second).
_SPLIT = "$`\\{}()[]<>.,;:!?=+-*/^_|#%&'\"~@"
_BLANKS = "\n\r\t\x0b\x0c"
MAX_CHARS = 2000  # the head of a document decides (best of 1k/2k/4k/20k on the real pages); flat inference time
MARKUP_CAP = 20


def normalize(text: str, max_chars: int = MAX_CHARS) -> str:
    """One line of lower-cased tokens, punctuation and markup as their own tokens, after one
    `xxmath` per `$` pair and one `xxcode` per code fence in the whole text (at most 20 each): the
    extractor's markup is the strongest math/code signal, and fastText averages token vectors, so a
    few `$` among thousands of words would be drowned out (macro-F1 on the real pages, 5-fold:
    0.89 without, 0.91 with at 4,000 characters, 0.955 at 2,000)."""
    n_math = min(MARKUP_CAP, text.count("$") // 2)
    n_code = min(MARKUP_CAP, text.count("```"))
    head = text[:max_chars].lower()
    for ch in _BLANKS:
        if ch in head:
            head = head.replace(ch, " ")
    for ch in _SPLIT:
        if ch in head:
            head = head.replace(ch, f" {ch} ")
    return f"{'xxmath ' * n_math}{'xxcode ' * n_code}{head}" if n_math or n_code else head


# ----------------------------------------------------------------------------- labels
def read_labels(path: str | os.PathLike, dimension: str) -> tuple[list[str], list[str], list[str]]:
    """(ids, texts, labels) of the rows labelled on `dimension`; refuses labels outside the dimension."""
    import pyarrow.parquet as pq

    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}; expected one of {sorted(DIMENSIONS)}")
    if not Path(path).exists():
        raise FileNotFoundError(f"labels file {path} does not exist")
    names = pq.read_schema(path).names
    missing = [c for c in ("text", dimension) if c not in names]
    if missing:
        raise ValueError(f"{path}: no column(s) {missing}; columns are {names}")
    table = pq.read_table(path, columns=[c for c in ("id", "text", dimension) if c in names]).to_pydict()
    allowed = set(DIMENSIONS[dimension].labels)
    ids, texts, labels = [], [], []
    for i, (text, label) in enumerate(zip(table["text"], table[dimension])):
        if label is None or text is None:
            continue
        label = str(int(label)) if isinstance(label, (int, float)) else str(label)
        if label not in allowed:
            raise ValueError(f"{path}: row {i}: {dimension} label {label!r} is not one of {sorted(allowed)}")
        ids.append(str(table["id"][i]) if "id" in table else str(i))
        texts.append(text)
        labels.append(label)
    if not labels:
        raise ValueError(f"{path}: no row has a {dimension} label")
    return ids, texts, labels


def split_held_out(ids: Sequence[str], labels: Sequence[str], fraction: float, seed: int = 0) -> list[bool]:
    """Stratified, deterministic held-out split: within each label, rows ordered by a seeded hash of
    their id and the first round(fraction·n) held out (at least one when a label has two or more rows)."""
    held = [False] * len(ids)
    by_label: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        by_label.setdefault(label, []).append(i)
    for rows in by_label.values():
        rows.sort(key=lambda i: hashlib.sha256(f"{seed}:{ids[i]}".encode()).digest())
        k = round(fraction * len(rows))
        if k == 0 and len(rows) >= 2 and fraction > 0:
            k = 1
        for i in rows[:k]:
            held[i] = True
    return held


# ----------------------------------------------------------------------------- training
DEFAULT_PARAMS = dict(dim=32, epoch=25, lr=0.1, wordNgrams=1, minCount=1, bucket=200_000, loss="softmax", thread=1)


TRAIN_ATTEMPTS = 10


def _fit(train_file: str, args: dict, quantize: bool, output: str) -> None:
    import fasttext

    model = fasttext.train_supervised(input=train_file, **args)
    if quantize:
        # retrain=True fine-tunes after pruning the vocabulary; cutoff keeps the most useful words
        model.quantize(input=train_file, qnorm=True, retrain=True, cutoff=100_000, thread=args["thread"], verbose=0)
    model.save_model(output)


def balanced(texts: Sequence[str], labels: Sequence[str]) -> tuple[list[str], list[str]]:
    """Oversample each label to about the size of the largest (fastText has no class weights)."""
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    top = max(counts.values())
    out_t, out_l = [], []
    for text, label in zip(texts, labels):
        k = max(1, round(top / counts[label]))
        out_t += [text] * k
        out_l += [label] * k
    return out_t, out_l


def train(texts: Sequence[str], labels: Sequence[str], output: str | os.PathLike, *, quantize: bool = True,
          seed: int = 0, balance: bool = True, **params) -> None:
    """Train a supervised fastText model on (text, label) pairs and save it, quantised unless told otherwise.

    Each attempt runs in a fresh interpreter: fasttext-numpy2 0.10.4 intermittently fails with
    "Encountered NaN" on identical data and settings (at any lr, loss, thread count or lrUpdateRate
    tried; the next attempt usually trains), and a process that failed once tends to keep failing.
    An attempt that fails is retried with the next seed, up to TRAIN_ATTEMPTS times.
    """
    from core.io import atomic_path

    if not texts:
        raise ValueError("no training rows")
    if balance:
        texts, labels = balanced(texts, labels)
    args = {**DEFAULT_PARAMS, **params, "seed": seed, "verbose": 0}
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, atomic_path(output) as tmp_out:
        train_file = os.path.join(tmp, "train.txt")
        with open(train_file, "w", encoding="utf-8") as f:
            for text, label in zip(texts, labels):
                f.write(f"__label__{label} {normalize(text)}\n")
        # a fresh interpreter (not multiprocessing's spawn, which re-imports the caller's __main__)
        code = "import json, sys; from filters.classifiers import _fit; _fit(*json.loads(sys.argv[1]))"
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        for attempt in range(TRAIN_ATTEMPTS):
            attempt_args = {**args, "seed": args["seed"] + attempt}
            done = subprocess.run([sys.executable, "-c", code, json.dumps([train_file, attempt_args, quantize, str(tmp_out)])],
                                  env=env, capture_output=True, text=True)
            if done.returncode == 0 and Path(tmp_out).is_file():
                break
        else:
            raise RuntimeError(f"fastText training failed {TRAIN_ATTEMPTS} times: {done.stderr.strip().splitlines()[-1:]}")


def metrics(gold: Sequence[str], predicted: Sequence[str], labels: Iterable[str]) -> dict:
    """Accuracy, macro-F1 and per-class precision/recall/F1/support (classes with gold or predicted rows)."""
    per_class = {}
    for label in labels:
        tp = sum(g == label and p == label for g, p in zip(gold, predicted))
        fp = sum(g != label and p == label for g, p in zip(gold, predicted))
        fn = sum(g == label and p != label for g, p in zip(gold, predicted))
        if tp + fp + fn == 0:
            continue
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[label] = {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn}
    n = len(gold)
    return {
        "n": n,
        "accuracy": sum(g == p for g, p in zip(gold, predicted)) / n if n else 0.0,
        "macro_f1": sum(c["f1"] for c in per_class.values()) / len(per_class) if per_class else 0.0,
        "per_class": per_class,
    }


# ----------------------------------------------------------------------------- inference
class Classifier:
    """Loaded models, one per dimension; `score_many(texts)` → one dict of columns per text."""

    def __init__(self, models: dict[str, str | os.PathLike]):
        import fasttext

        fasttext.FastText.eprint = lambda *a, **k: None
        self.models = {}
        for dimension, path in models.items():
            if dimension not in DIMENSIONS:
                raise ValueError(f"unknown dimension {dimension!r}; expected one of {sorted(DIMENSIONS)}")
            if not Path(path).is_file():
                raise FileNotFoundError(f"{dimension} model {path} does not exist")
            model = fasttext.load_model(str(path))
            found = {lab.removeprefix("__label__") for lab in model.get_labels()}
            extra = found - set(DIMENSIONS[dimension].labels)
            if extra:
                raise ValueError(f"{path} is not a {dimension} model: labels {sorted(extra)} are not "
                                 f"{dimension} labels {list(DIMENSIONS[dimension].labels)}")
            self.models[dimension] = model

    def predict(self, dimension: str, texts: Sequence[str]) -> list[str]:
        """Most likely label per text (texts already raw; normalised here)."""
        labels, _ = self.models[dimension].predict([normalize(t) for t in texts], k=1)
        return [lab[0].removeprefix("__label__") for lab in labels]

    def score_many(self, texts: Sequence[str]) -> list[dict]:
        lines = [normalize(t) for t in texts]
        rows: list[dict] = [{} for _ in lines]
        for dimension, model in self.models.items():
            d = DIMENSIONS[dimension]
            if d.kind == "category":
                labels, probs = model.predict(lines, k=1)
                for row, lab, p in zip(rows, labels, probs):
                    row[f"cls_{dimension}"] = lab[0].removeprefix("__label__")
                    row[f"cls_{dimension}_prob"] = min(1.0, float(p[0]))
            else:
                labels, probs = model.predict(lines, k=-1)
                for row, labs, ps in zip(rows, labels, probs):
                    row[f"cls_{dimension}"] = float(
                        sum(int(lab.removeprefix("__label__")) * float(p) for lab, p in zip(labs, ps)) / max(sum(ps), 1e-9)
                    )
        return rows


class ClassifierScores(PipelineStep):
    """datatrove step: adds the classifier columns to every document's metadata (keeps all documents)."""

    name = "🏷 classifiers"
    type = "🔢 - ANNOTATOR"

    def __init__(self, models: dict[str, str], batch_size: int = 256):
        super().__init__()
        self.model_paths = {k: str(v) for k, v in models.items()}
        self.batch_size = batch_size
        self._classifier: Classifier | None = None

    @property
    def classifier(self) -> Classifier:
        if self._classifier is None:
            self._classifier = Classifier(self.model_paths)
        return self._classifier

    def _flush(self, batch: list[Document]) -> Iterator[Document]:
        with self.track_time(unit="batch"):
            scores = self.classifier.score_many([doc.text for doc in batch])
        for doc, row in zip(batch, scores):
            doc.metadata.update(row)
            self.stat_update("scored")
            yield doc

    def run(self, data, rank: int = 0, world_size: int = 1):
        batch: list[Document] = []
        for doc in data or []:
            batch.append(doc)
            if len(batch) >= self.batch_size:
                yield from self._flush(batch)
                batch = []
        if batch:
            yield from self._flush(batch)


def evaluate(model_path: str | os.PathLike, texts: Sequence[str], labels: Sequence[str], dimension: str) -> dict:
    predicted = Classifier({dimension: model_path}).predict(dimension, texts)
    return metrics(labels, predicted, DIMENSIONS[dimension].labels)


# ----------------------------------------------------------------------------- CLI
def _print_report(title: str, m: dict, out=None) -> None:
    out = out or sys.stdout
    print(f"{title}: n={m['n']} accuracy={m['accuracy']:.3f} macro-F1={m['macro_f1']:.3f}", file=out)
    print(f"  {'class':<12} {'precision':>9} {'recall':>7} {'F1':>6} {'support':>8}", file=out)
    for label, c in m["per_class"].items():
        print(f"  {label:<12} {c['precision']:9.3f} {c['recall']:7.3f} {c['f1']:6.3f} {c['support']:8d}", file=out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m filters.classifiers", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_train = sub.add_parser("train", help="train one dimension's model; prints held-out accuracy and per-class F1")
    p_train.add_argument("labels")
    p_train.add_argument("--dimension", required=True, choices=sorted(DIMENSIONS))
    p_train.add_argument("-o", "--output", required=True)
    p_train.add_argument("--held-out", type=float, default=0.2, help="fraction held out per class (default 0.2)")
    p_train.add_argument("--seed", type=int, default=0)
    p_train.add_argument("--epoch", type=int, default=DEFAULT_PARAMS["epoch"])
    p_train.add_argument("--dim", type=int, default=DEFAULT_PARAMS["dim"])
    p_train.add_argument("--word-ngrams", type=int, default=DEFAULT_PARAMS["wordNgrams"])
    p_train.add_argument("--no-quantize", action="store_true", help="save the full model (larger, for debugging)")
    p_train.add_argument("--metrics", help="also write the held-out metrics as JSON here")
    p_eval = sub.add_parser("evaluate", help="score a model on a labelled Parquet")
    p_eval.add_argument("model")
    p_eval.add_argument("labels")
    p_eval.add_argument("--dimension", required=True, choices=sorted(DIMENSIONS))
    p_eval.add_argument("--metrics", help="also write the metrics as JSON here")
    args = parser.parse_args(argv)
    try:
        ids, texts, labels = read_labels(args.labels, args.dimension)
        if args.command == "train":
            held = split_held_out(ids, labels, args.held_out, args.seed)
            tr = [i for i, h in enumerate(held) if not h]
            te = [i for i, h in enumerate(held) if h]
            if not tr:
                raise ValueError("nothing left to train on; lower --held-out")
            train([texts[i] for i in tr], [labels[i] for i in tr], args.output, quantize=not args.no_quantize,
                  seed=args.seed, epoch=args.epoch, dim=args.dim, wordNgrams=args.word_ngrams)
            size = os.path.getsize(args.output)
            print(f"{args.dimension}: trained on {len(tr)} rows, {size / 1e6:.2f} MB -> {args.output}")
            m = evaluate(args.output, [texts[i] for i in te], [labels[i] for i in te], args.dimension) if te else None
            if m:
                _print_report(f"held-out ({len(te)} rows)", m)
            else:
                print("held-out: no rows (--held-out 0)")
        else:
            m = evaluate(args.model, texts, labels, args.dimension)
            _print_report(f"{args.labels}", m)
        if args.metrics and m:
            from core.io import atomic_write_text

            atomic_write_text(args.metrics, json.dumps(m, indent=1))
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
