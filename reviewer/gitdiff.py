"""What changed since the merge base with a git BASE: added or modified lines per file (from
`git diff`, parsed with unidiff), untracked files counted as wholly new. `--diff BASE` and
`reviewer review` check only the changed files and keep only findings on those lines; the
project model still covers the whole tree (from the index cache when warm), so project-level
facts (models, routes, migrations) are complete."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

from reviewer.git import GitError, ask_together, git as _git, in_repository, is_shallow, top_level
from reviewer.model import Category, Finding
from reviewer.scoring import checked_categories, score

if TYPE_CHECKING:
    from reviewer.runner import ScanResult

__all__ = ["ChangedLines", "GitError", "changed_lines", "fetch_hint", "limit_to_diff", "merge_base"]


@dataclass(frozen=True)
class ChangedLines:
    base: str
    merge_base: str
    # path relative to the scanned root -> added/modified line numbers of the new version
    lines: Mapping[str, frozenset[int]] = field(default_factory=dict)
    # untracked files: every line is new
    new_files: frozenset[str] = frozenset()
    # the scanned root relative to the repository's top (to turn scan paths into repo paths)
    prefix: str = ""

    def repo_path(self, path: str) -> str:
        return f"{self.prefix}/{path}" if self.prefix else path

    def touches(self, finding: Finding) -> bool:
        return self.changed_line(finding) is not None

    def changed_line(self, finding: Finding) -> int | None:
        """The line to comment on: the finding's first line if it changed, else the first
        changed line of its span, None when the change does not touch it."""
        if finding.path in self.new_files:
            return finding.line
        changed = self.lines.get(finding.path)
        if not changed:
            return None
        last = max(finding.location.end_line, finding.line)
        return next((line for line in range(finding.line, last + 1) if line in changed), None)

    @property
    def paths(self) -> frozenset[str]:
        return frozenset(self.lines) | self.new_files


def fetch_hint(base: str) -> str:
    branch = base.split("/", 1)[1] if base.startswith("origin/") else base
    return (
        f"fetch it first, e.g. `git fetch --no-tags origin {branch}:refs/remotes/origin/{branch}` "
        "(or the whole history: `git fetch --unshallow`); in GitHub Actions set `fetch-depth: 0` on "
        "actions/checkout, in GitLab CI set `GIT_DEPTH: 0`"
    )


def merge_base(root: Path, base: str, option: str = "--diff") -> str:
    """The merge base of BASE and HEAD; errors name `option`, the flag the user typed BASE with."""
    if not in_repository(root):
        raise GitError(f"`{option} {base}`: {root} is not inside a git repository")
    shallow = is_shallow(root)
    where = "this shallow clone" if shallow else "this repository"
    found = _git(root, "merge-base", base, "HEAD", check=False)
    if found.returncode != 0:  # which of the two reasons: BASE is no commit, or no merge base is reached
        if _git(root, "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}", check=False).returncode != 0:
            raise GitError(f"`{option} {base}`: `{base}` is not a commit in {where}; {fetch_hint(base)}")
        if shallow:
            raise GitError(
                f"`{option} {base}`: {where} does not reach the merge base of `{base}` and HEAD; "
                "deepen it with `git fetch --unshallow` (GitHub Actions: `fetch-depth: 0`; GitLab CI: `GIT_DEPTH: 0`)"
            )
        raise GitError(f"`{option} {base}`: `{base}` and HEAD have no common ancestor")
    return found.stdout.strip()


def changed_lines(root: Path, base: str, option: str = "--diff") -> ChangedLines:
    """Lines added or changed in the working tree since the merge base of BASE and HEAD,
    keyed by path relative to `root` (files outside `root` are left out). Errors name
    `option`, the flag BASE came with (`--diff`, `--base`)."""
    root = root.resolve()
    ask_together(root, ("rev-parse", "--is-shallow-repository"), ("merge-base", base, "HEAD"), ("rev-parse", "--show-toplevel"))
    commit = merge_base(root, base, option)
    top = top_level(root)
    if top is None:
        raise GitError(f"`{option} {base}`: {root} is not inside a git work tree")
    prefix = root.relative_to(top).as_posix() if root != top else ""
    diff_question = (
        "diff", "--no-color", "--no-ext-diff", "--no-textconv", "--unified=0", "-M", "--src-prefix=a/", "--dst-prefix=b/", commit, "--",
    )
    untracked_question = ("ls-files", "--others", "--exclude-standard", "-z")
    ask_together(top, diff_question, untracked_question)
    diff = _git(top, *diff_question).stdout
    from unidiff import PatchSet  # here: a scan without --diff publishes through this module
    from unidiff.errors import UnidiffParseError

    try:
        patch = PatchSet(diff)
    except UnidiffParseError as error:
        raise GitError(f"cannot read `git diff` output: {error}") from None
    lines: dict[str, frozenset[int]] = {}
    for patched in patch:
        if patched.is_removed_file:
            continue
        added = frozenset(line.target_line_no for hunk in patched for line in hunk if line.is_added and line.target_line_no)
        if added:
            lines[unquote(patched.path)] = added
    untracked = _git(top, *untracked_question).stdout.split("\0")
    return ChangedLines(
        base=base,
        merge_base=commit,
        lines={rel: value for path, value in lines.items() if (rel := _under(path, prefix)) is not None},
        new_files=frozenset(rel for path in untracked if path and (rel := _under(path, prefix)) is not None),
        prefix=prefix,
    )


_ESCAPES = {"a": b"\a", "b": b"\b", "t": b"\t", "n": b"\n", "v": b"\v", "f": b"\f", "r": b"\r", '"': b'"', "\\": b"\\"}


def unquote(path: str) -> str:
    """A path as git's diff headers spell it, back to the file's name: git wraps a name that
    holds `"`, `\\`, a tab, a newline or another control character in double quotes with C-style
    escapes (octal for other bytes)."""
    if len(path) < 2 or path[0] != '"' or path[-1] != '"':
        return path
    body, out, index = path[1:-1], bytearray(), 0
    while index < len(body):
        char = body[index]
        if char == "\\" and index + 1 < len(body):
            following = body[index + 1]
            if following in "01234567":
                digits = body[index + 1 : index + 4]
                out.append(int(digits, 8) & 0xFF)
                index += 1 + len(digits)
                continue
            out += _ESCAPES.get(following, following.encode("utf-8", "surrogateescape"))
            index += 2
            continue
        out += char.encode("utf-8", "surrogateescape")
        index += 1
    return out.decode("utf-8", "surrogateescape")


def _under(path: str, prefix: str) -> str | None:
    if not prefix:
        return path
    return path[len(prefix) + 1 :] if path.startswith(prefix + "/") else None


def repository_prefix(root: Path) -> str:
    """Where the scanned folder sits in the repository ("" at the top, else "sub/dir"): below
    git's top level in a work tree, else below the current folder. CI formats give paths from
    there, so annotations and code-scanning alerts point at real files in a monorepo."""
    root = root.resolve()
    top = top_level(root) or Path.cwd().resolve()
    try:
        relative = root.relative_to(top).as_posix()
    except ValueError:
        return ""
    return "" if relative == "." else relative


def with_path_prefix(result: ScanResult, prefix: str) -> ScanResult:
    """`result` with every path below `prefix`, and its root the folder the paths now start
    from (the repository's top), so that readers of the files (code excerpts, SARIF's
    SRCROOT, rdjson's byte columns) find them."""
    if not prefix:
        return result
    root = Path(result.root)
    if root.as_posix().endswith("/" + prefix):
        root = root.parents[len(Path(prefix).parts) - 1]
    return replace(_moved(result, lambda path: f"{prefix}/{path}", str(root)), scanned=result.scanned or result.root)


def without_path_prefix(result: ScanResult, prefix: str) -> ScanResult:
    """The inverse of `with_path_prefix` for a result read back from a report (`reviewer
    merge`): paths below `prefix` lose it; others stay as they are."""
    if not prefix:
        return result
    return _moved(result, lambda path: path[len(prefix) + 1 :] if path.startswith(prefix + "/") else path, result.scanned or result.root)


def _moved(result: ScanResult, moved, root: str) -> ScanResult:
    def moved_finding(finding: Finding) -> Finding:
        autofix = finding.autofix.moved(moved) if finding.autofix is not None else None
        return replace(finding, path=moved(finding.path), autofix=autofix)

    return replace(
        result,
        root=root,
        findings=tuple(moved_finding(finding) for finding in result.findings),
        errors=tuple(replace(error, path=moved(error.path)) for error in result.errors),
        suppressions=tuple((moved_finding(finding), reason) for finding, reason in result.suppressions),
        hidden=tuple(moved_finding(finding) for finding in result.hidden),
    )


def limit_to_diff(result: ScanResult, changed: ChangedLines, weights: Mapping[Category, float]) -> ScanResult:
    """Keep only findings on changed lines; the score and the gate then judge the change."""
    kept: list[Finding] = []
    outside: list[Finding] = []
    for finding in result.findings:
        (kept if changed.touches(finding) else outside).append(finding)
    return replace(
        result,
        findings=tuple(kept),
        hidden=result.hidden + tuple(outside),
        diff_base=changed.base,
        outside_diff=len(outside),
        score=score(kept, result.lines, weights, checked_categories(result.rules)),
    )
