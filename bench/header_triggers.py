"""Check that an index provider whose triggers are read only in code (`triggers_in_code`) loses
no facts: for each file of the given trees that such a provider no longer reads (a trigger
only in its leading comments, e.g. a licence header), extract the provider's facts anyway
and count the files that have any. A count above zero means the provider's triggers are not
necessary conditions of its facts, and it must not skip leading comments.

    .venv/bin/python bench/header_triggers.py TREE [TREE ...]
    .venv/bin/python bench/header_triggers.py --every-provider TREE [TREE ...]

Prints, per tree, the Python files read, the files each provider skips, and those of them
with facts (the first few named); exits 1 when any has facts. With --every-provider, every
provider with triggers is checked as if it set `triggers_in_code`: which could. Reads the
files; runs no project code.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from pathlib import Path

from reviewer.config import Config
from reviewer.index import PROVIDERS, IndexedFile
from reviewer.model import FileKind
from reviewer.provider import code_start


def check_tree(root: Path, shown: int = 5, every: bool = False) -> dict[str, object]:
    """The counts of one tree (see the module's docstring)."""
    config = Config(root=str(root))
    providers = [getattr(provider, "loaded", provider) for provider in PROVIDERS]
    providers = [provider for provider in providers if (every or provider.triggers_in_code) and provider.triggers]
    skipped: dict[str, int] = {provider.name: 0 for provider in providers}
    with_facts: list[tuple[str, str]] = []
    files = 0
    for path in sorted(root.rglob("*.py")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        files += 1
        tree: ast.Module | None = None
        for provider in providers:
            anywhere = FileKind.PYTHON in provider.file_kinds and any(trigger in text for trigger in provider.triggers)
            if not anywhere or any(text.find(trigger, code_start(text)) >= 0 for trigger in provider.triggers):
                continue
            skipped[provider.name] += 1
            if tree is None:
                try:
                    tree = ast.parse(text)
                except (SyntaxError, ValueError):
                    break
            rel = path.relative_to(root).as_posix()
            if provider.collect_file(IndexedFile(rel, FileKind.PYTHON, None), text, tree, config) is not None:
                with_facts.append((provider.name, rel))
    return {
        "tree": str(root), "python_files": files, "skipped": skipped, "with_facts": len(with_facts),
        "examples": with_facts[:shown],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trees", type=Path, nargs="+", metavar="TREE")
    parser.add_argument("--every-provider", action="store_true", help="check every provider with triggers, as if it set triggers_in_code")
    parser.add_argument("--json", action="store_true", help="print the counts as JSON")
    args = parser.parse_args(argv)
    results = [check_tree(tree, every=args.every_provider) for tree in args.trees]
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for result in results:
            print(f"{result['tree']}: {result['python_files']} Python files; skipped for their leading comments: "
                  f"{result['skipped']}; of those with facts: {result['with_facts']} {result['examples'] or ''}")
    return 1 if any(result["with_facts"] for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())
