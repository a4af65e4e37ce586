"""Mine benign prose for the injection detector from the documentation installed packages ship.

    .venv/bin/python bench/mine_benign.py      # rewrites bench/data/mined_benign.jsonl

Docstrings (read with ``ast``, never imported) and botocore's service documentation are written by many hands,
full of ordinary imperatives ("You must specify the bucket", "Ignore this field unless ...", "Set the flag to
override the default"): the harmless look-alikes a detector meets in tool output. Only permissively licensed
packages are read; each row records its package, version and licence. Packages are split in two: ``train``
rows may be trained on, ``eval`` rows (other packages, other writers) are only ever scored, so the benchmark's
false-positive rate is measured on prose no model has seen. Paragraphs are picked by a hash of their text, so the
file is the same on every run against the same installed versions.
"""

from __future__ import annotations

import ast
import gzip
import hashlib
import html
import json
import re
import sys
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

OUT = Path(__file__).resolve().parent / "data" / "mined_benign.jsonl"

# package (import name, distribution name, licence): rows per package.
TRAIN = {
    ("botocore", "botocore", "Apache-2.0"): 900,
    ("pydantic", "pydantic", "MIT"): 120,
    ("click", "click", "BSD-3-Clause"): 80,
    ("numpy", "numpy", "BSD-3-Clause"): 160,
    ("aiohttp", "aiohttp", "Apache-2.0"): 80,
    ("requests", "requests", "Apache-2.0"): 60,
    ("jinja2", "jinja2", "BSD-3-Clause"): 80,
    ("rich", "rich", "MIT"): 80,
    ("fastapi", "fastapi", "MIT"): 120,
    ("starlette", "starlette", "BSD-3-Clause"): 60,
    ("sqlite_utils", "sqlite-utils", "Apache-2.0"): 60,
    ("pygments", "pygments", "BSD-2-Clause"): 60,
    ("huggingface_hub", "huggingface_hub", "Apache-2.0"): 120,
    ("cryptography", "cryptography", "Apache-2.0"): 60,
    ("attr", "attrs", "MIT"): 40,
}
EVAL = {
    ("boto3", "boto3", "Apache-2.0"): 60,
    ("httpx", "httpx", "BSD-3-Clause"): 60,
    ("anyio", "anyio", "MIT"): 60,
    ("typer", "typer", "MIT"): 40,
    ("openai", "openai", "Apache-2.0"): 80,
    ("mcp", "mcp", "MIT"): 50,
    ("procrastinate", "procrastinate", "MIT"): 50,
    ("tenacity", "tenacity", "Apache-2.0"): 30,
    ("urllib3", "urllib3", "MIT"): 50,
    ("prompt_toolkit", "prompt_toolkit", "BSD-3-Clause"): 60,
    ("dateutil", "python-dateutil", "BSD-3-Clause"): 30,
    ("_pytest", "pytest", "MIT"): 60,
    ("opentelemetry", "opentelemetry-api", "Apache-2.0"): 40,
}

_TAG = re.compile(r"<[^>]{1,200}>")
_SPACE = re.compile(r"\s+")
_RST = re.compile(r":\w+:`~?([^`]*)`|``([^`]*)``|`([^`]*)`")
_CODE_LINE = re.compile(r"^\s*(?:>>>|\.\.\.|\$ |[-=~^*]{3,}|[A-Za-z_]\w*\s*[:=(]\s*$|@|def |class |import |from )")


def paragraphs(doc: str) -> Iterator[str]:
    """Prose paragraphs of a docstring or documentation string: code, tables and field lists left out."""
    for block in re.split(r"\n\s*\n", doc):
        lines = [line for line in block.splitlines() if line.strip()]
        if not lines or any(_CODE_LINE.match(line) for line in lines):
            continue
        text = _SPACE.sub(" ", _RST.sub(lambda m: next(g for g in m.groups() if g is not None), " ".join(lines)))
        text = text.strip()
        letters = sum(ch.isalpha() for ch in text)
        if 60 <= len(text) <= 500 and letters > 0.7 * len(text.replace(" ", "")) and text[-1] in ".:!?)":
            yield text


def docstrings(root: Path) -> Iterator[str]:
    for path in sorted(root.rglob("*.py")):
        if "test" in path.parts[-1] or "/tests/" in str(path):
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                doc = ast.get_docstring(node)
                if doc:
                    yield from paragraphs(doc)


def service_docs(root: Path) -> Iterator[str]:
    """botocore's API reference: every "documentation" string in its service models."""

    def walk(node: object) -> Iterator[str]:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "documentation" and isinstance(value, str):
                    yield from paragraphs(html.unescape(_TAG.sub("\n\n", value.replace("</p>", "\n\n"))))
                else:
                    yield from walk(value)
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)

    for path in sorted((root / "data").glob("*/*/service-2.json*")):
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        yield from walk(json.loads(raw))


def pick(texts: Iterator[str], count: int) -> list[str]:
    unique = {hashlib.sha1(t.encode()).hexdigest(): t for t in texts}
    return [unique[key] for key in sorted(unique)[:count]]


def mine() -> list[dict[str, str]]:
    site = Path(metadata.distribution("pydantic").locate_file(""))
    rows: list[dict[str, str]] = []
    for split, packages in (("train", TRAIN), ("eval", EVAL)):
        for (name, dist, licence), count in packages.items():
            root = site / name
            texts = service_docs(root) if name == "botocore" else docstrings(root)
            version = metadata.version(dist)
            for number, text in enumerate(pick(texts, count)):
                rows.append({"id": f"mined-{name}-{number:04d}", "text": text, "package": f"{dist} {version}",
                             "licence": licence, "split": split})  # fmt: skip
    return rows


def main() -> int:
    rows = mine()
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"wrote {len(rows)} paragraphs to {OUT.name}: {sum(r['split'] == 'train' for r in rows)} train, "
          f"{sum(r['split'] == 'eval' for r in rows)} eval")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
