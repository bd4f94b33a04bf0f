"""The built wheel works on its own: installed into a fresh venv, run from outside the repo.

The wheel is built from a copy of the source tree, so the build never writes `build/` or
`*.egg-info` into the work tree and a stale `build/lib` can never leak into the wheel.

Dependencies: the wheel is installed with `--no-deps`, and a `.pth` file in the fresh venv adds
one folder of links to its declared dependencies and theirs (`Requires-Dist`, followed
transitively), taken from the interpreter running the tests. That keeps the test offline and
fast and runs it on exactly the dependency versions the rest of the suite uses, while a
dependency the wheel forgets to declare is not importable and fails the scan, and a declared
version range the test environment does not satisfy fails the test. The dev venv's own
site-packages (with its editable install of `reviewer`) is never on the fresh venv's path; the
test checks that the `reviewer` it runs is the one inside the fresh venv.

Skipped only when building is impossible for a reason outside the project (no `build`, no
`pip`, no `venv`, build dependencies that cannot be installed); a broken wheel fails.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
RULE_FILE = "reviewer/rules/sql/sql_injection_dynamic_query.py"
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
    ".hypothesis", ".reviewer_cache", "_work",
)
SAMPLE = {
    "app/__init__.py": "",
    "app/queries.py": (
        "def find_account(cur, email):\n"
        "    sql = \"SELECT id FROM accounts WHERE email = '%s'\" % email\n"
        "    cur.execute(sql)\n"
        "    return cur.fetchone()\n"
    ),
}
TIMEOUT = 120


def _run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT)


def _can_build_without_isolation() -> bool:
    from packaging.version import Version

    try:
        return (
            Version(importlib.metadata.version("setuptools")) >= Version("68")
            and importlib.util.find_spec("wheel") is not None
        )
    except importlib.metadata.PackageNotFoundError:
        return False


def _build_wheel(tmp: Path) -> Path:
    if importlib.util.find_spec("build") is None:
        pytest.skip("the `build` package is not installed (it is in the `test` extra)")
    source = tmp / "source"
    shutil.copytree(REPO, source, ignore=NOT_SOURCE)
    out = tmp / "dist"
    command = [sys.executable, "-m", "build", "--wheel", "--outdir", str(out)]
    isolated = not _can_build_without_isolation()
    if not isolated:
        command.append("--no-isolation")
    result = _run([*command, str(source)], cwd=tmp)
    log = result.stdout + result.stderr
    if result.returncode != 0 and isolated and "Getting build dependencies" not in log:
        # The backend never ran: the isolated environment could not get setuptools / wheel.
        pytest.skip(f"cannot install build dependencies for an isolated build:\n{log[-2000:]}")
    assert result.returncode == 0, f"building the wheel failed:\n{log}"
    wheels = list(out.glob("*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def _fresh_venv(tmp: Path) -> tuple[Path, Path]:
    """A venv without pip (fast); returns its python and its site-packages."""
    home = tmp / "venv"
    try:
        venv.EnvBuilder(with_pip=False, clear=True).create(home)
    except Exception as error:  # noqa: BLE001 - any failure here is the machine's, not the wheel's
        pytest.skip(f"cannot create a virtualenv: {error}")
    python = home / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    found = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], cwd=tmp)
    assert found.returncode == 0, found.stderr
    return python, Path(found.stdout.strip())


def _requirements(metadata: str, extras: frozenset[str] = frozenset()) -> list:
    """The Requires-Dist entries of a METADATA text that apply here, with `extras` requested."""
    from packaging.requirements import Requirement

    headers = metadata.split("\n\n", 1)[0].splitlines()
    found = []
    for line in headers:
        if not line.startswith("Requires-Dist:"):
            continue
        requirement = Requirement(line.split(":", 1)[1].strip())
        marker = requirement.marker
        if marker is None or any(marker.evaluate({"extra": extra}) for extra in ("", *extras)):
            found.append(requirement)
    return found


def _expose_dependencies(wheel: zipfile.ZipFile, target: Path) -> None:
    """Link into `target` the wheel's declared dependencies, and theirs, from the running
    interpreter: only what the wheel declares is importable, so a missing Requires-Dist fails."""
    from packaging.utils import canonicalize_name

    metadata = next(name for name in wheel.namelist() if name.endswith(".dist-info/METADATA"))
    pending = _requirements(wheel.read(metadata).decode("utf-8"))
    seen: set[str] = set()
    target.mkdir()
    while pending:
        requirement = pending.pop()
        key = canonicalize_name(requirement.name)
        if key in seen:
            continue
        seen.add(key)
        try:
            dist = importlib.metadata.distribution(requirement.name)
        except importlib.metadata.PackageNotFoundError:
            pytest.fail(f"the test environment lacks {requirement}, which the wheel needs")
        assert requirement.specifier.contains(dist.version, prereleases=True), (
            f"the wheel needs {requirement}, the test environment has {dist.version}"
        )
        tops = {Path(str(file)).parts[0] for file in dist.files or ()}
        for top in sorted(tops):
            if top in ("..", "__pycache__") or top.endswith(".pth"):
                continue
            source = Path(str(dist.locate_file(top)))
            if source.exists() and not (target / top).exists():
                (target / top).symlink_to(source, target_is_directory=source.is_dir())
        pending.extend(_requirements(dist.read_text("METADATA") or "", frozenset(requirement.extras)))


def test_built_wheel_installs_and_scans(tmp_path: Path) -> None:
    wheel_path = _build_wheel(tmp_path)

    with zipfile.ZipFile(wheel_path) as wheel:
        names = wheel.namelist()
        assert RULE_FILE in names, names
        assert "reviewer/field_precision.json" in names, "the field precision table is package data"
        assert "reviewer/rule_catalogue.json" in names, "the shipped rule catalogue is package data"
        payload = [name for name in names if ".dist-info/" not in name]
        assert payload and all(name.startswith("reviewer/") for name in payload), (
            f"files outside the reviewer package: {[n for n in payload if not n.startswith('reviewer/')]}"
        )
        assert not any(name.startswith("rules/") for name in names), "a top-level `rules` package is installed"
        top_level = [name for name in names if name.endswith(".dist-info/top_level.txt")]
        if top_level:
            assert wheel.read(top_level[0]).decode().split() == ["reviewer"]
        _expose_dependencies(wheel, tmp_path / "deps")

    python, site_packages = _fresh_venv(tmp_path)
    if importlib.util.find_spec("pip") is None:
        pytest.skip("pip is not installed in the test environment")
    installed = _run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", str(wheel_path)],
        cwd=tmp_path,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    (site_packages / "_reviewer_test_deps.pth").write_text(f"{tmp_path / 'deps'}\n", encoding="utf-8")
    assert (site_packages / RULE_FILE).is_file()
    assert not (site_packages / "rules").exists()

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")}
    env["PYTHONNOUSERSITE"] = "1"
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    assert REPO not in outside.resolve().parents

    where = _run(
        [str(python), "-c", "import reviewer, reviewer.registry as r; print(reviewer.__file__); print(r.builtin_pack()); print(any(issubclass(x, r.Listed) for x in r.load((), listed=True).rules))"],
        cwd=outside,
        env=env,
    )
    assert where.returncode == 0, where.stderr
    module_file, pack, shipped = where.stdout.splitlines()
    module_file, pack = Path(module_file), Path(pack)
    # The installed package's source and pack hash as the clone's did: its shipped catalogue is read.
    assert shipped == "True", "the installed package does not read its shipped rule catalogue (a key of other code)"
    assert site_packages.resolve() in module_file.resolve().parents, f"imported reviewer from {module_file}"
    assert pack.resolve() == (site_packages / "reviewer" / "rules").resolve()

    script = python.parent / ("reviewer.exe" if os.name == "nt" else "reviewer")
    assert script.is_file(), "the console script `reviewer` was not installed"

    rules = _run([str(script), "rules"], cwd=outside, env=env)
    assert rules.returncode == 0, rules.stdout + rules.stderr
    assert any(line.split()[:1] == ["SQL001"] for line in rules.stdout.splitlines()), rules.stdout

    project = tmp_path / "sample"
    for rel, text in SAMPLE.items():
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).write_text(text, encoding="utf-8")
    page = tmp_path / "report.html"
    scanned = _run([str(script), "scan", str(project), "--format", "json", "--no-cache", "--profile", "audit", "-o", f"html:{page}"], cwd=outside, env=env)
    assert scanned.returncode == 0, scanned.stdout + scanned.stderr
    assert 'id="chart-rules"' in page.read_text(encoding="utf-8"), "the HTML report's style and script are package data"
    report = json.loads(scanned.stdout)
    assert report["tool"]["name"] == "reviewer"
    assert report["errors"] == []
    hits = [(f["rule"], f["path"], f["line"]) for f in report["findings"]]
    assert ("SQL001", "app/queries.py", 3) in hits, report["findings"]
    assert report["score"]["categories"]["sql"]["findings"] >= 1
    assert report["score"]["overall"] < 100
