"""The ecosystem check (bench/ecosystem/check.py) on small fabricated inputs: no network."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import sys
import tarfile
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("ecosystem_check", REPO / "bench" / "ecosystem" / "check.py")
check = importlib.util.module_from_spec(_spec)
sys.modules["ecosystem_check"] = check
_spec.loader.exec_module(check)

Key, Finding, Verdict, Tally = check.Key, check.Finding, check.Verdict, check.Tally

PROJECTS_YML = """\
projects:
  - name: alpha
    version: "1.0.0"
    sha256: "{sha}"
    frameworks: [django]
    held_out: false
  - name: beta
    version: "2.0.0"
    sha256: "{sha}"
    frameworks: [flask]
    held_out: true
"""
SHA = "0" * 64


def projects_file(tmp_path: Path, sha: str = SHA) -> Path:
    path = tmp_path / "projects.yml"
    path.write_text(PROJECTS_YML.format(sha=sha), encoding="utf-8")
    return path


def finding(project: str, path: str, line: int, rule: str, severity: str = "medium") -> Finding:
    version = {"alpha": "1.0.0", "beta": "2.0.0"}[project]
    return Finding(Key(project, version, path, line, rule), severity, f"{rule} at {line}", "do better")


def verdict(f: Finding, value: str, reason: str = "because") -> Verdict:
    return Verdict(f.key, value, reason)


def write_result(cache: Path, label: str, project: str, version: str, held_out: bool, findings: list[dict]) -> None:
    folder = cache / "results" / label
    folder.mkdir(parents=True, exist_ok=True)
    report = {
        "summary": {"files": 3, "lines": 30},
        "findings": findings,
        "errors": [],
        "ecosystem": {"project": project, "version": version, "held_out": held_out, "wall_seconds": 1.5, "status": "ok"},
    }
    (folder / f"{project}.json").write_text(json.dumps(report), encoding="utf-8")


def raw(path: str, line: int, rule: str, severity: str = "medium") -> dict:
    return {"rule": rule, "path": path, "line": line, "severity": severity, "message": f"{rule} here", "fix": "fix it"}


# --------------------------------------------------------------------------------------------
# Precision arithmetic


def test_precision_counts_debatable_as_half_and_strict_counts_only_true():
    t = Tally(findings=10, true=3, false=1, debatable=2)
    assert t.judged == 6
    assert t.precision == pytest.approx(4 / 6)
    assert t.strict == pytest.approx(3 / 6)
    assert Tally(findings=5).precision is None and Tally(findings=5).strict is None


def test_tally_counts_only_findings_with_a_verdict():
    a, b, c = finding("alpha", "a.py", 1, "SQL001"), finding("alpha", "a.py", 2, "SQL001"), finding("alpha", "a.py", 3, "SQL001")
    t = check.tally([a, b, c], {a.key: verdict(a, "true"), b.key: verdict(b, "debatable")})
    assert (t.findings, t.judged, t.true, t.false, t.debatable) == (3, 2, 1, 0, 1)
    assert t.precision == pytest.approx(0.75)


def test_weighted_precision_leaves_unjudged_rules_out_of_both_sums():
    w = check.weighted({"A": 10, "B": 30, "C": 5}, {"A": 0.9, "B": 0.5})
    assert w.value == pytest.approx((10 * 0.9 + 30 * 0.5) / 40)
    assert (w.unjudged_rules, w.unjudged_findings) == (1, 5)
    assert check.weighted({"C": 5}, {}).value is None


@pytest.mark.parametrize(
    ("t", "expected"),
    [
        (Tally(findings=0), "opt-in (no field data)"),
        (Tally(findings=40, true=9), "opt-in (9/10 judged)"),
        (Tally(findings=40, true=9, debatable=1), "default"),  # 9.5 / 10 = 0.95
        (Tally(findings=40, true=8, false=2), "opt-in"),  # 0.8
        (Tally(findings=6, true=6), "default"),  # fewer than 10 findings: all of them judged
        (Tally(findings=6, true=5), "opt-in (5/6 judged)"),
        (Tally(findings=4, true=4), "opt-in (4/5 judged)"),  # too little evidence, however right
        (Tally(findings=20, true=17, false=3), "default"),  # exactly 0.85
    ],
)
def test_field_status_follows_the_contract_threshold(t, expected):
    assert check.field_status(t) == expected


def test_a_self_evident_rule_stays_default_until_its_evidence_counts():
    assert check.field_status(Tally(findings=0), "SQL004") == "default (self-evident; no field data)"
    assert check.field_status(Tally(findings=3, true=2), "B501") == "default (self-evident; 2/5 judged)"
    assert check.field_status(Tally(findings=12, true=2, false=8), "B501") == "opt-in"  # evidence says otherwise


def test_compute_per_project_and_overall_figures_keep_tuned_and_held_out_apart(tmp_path):
    projects = check.load_projects(projects_file(tmp_path))
    cache = tmp_path / "cache"
    write_result(cache, "L", "alpha", "1.0.0", False, [
        raw("a.py", 1, "SQL001", "critical"), raw("a.py", 2, "SQL001"), raw("a.py", 3, "SQL001"),
        raw("a.py", 4, "B608"), raw("a.py", 5, "MIG001"),
    ])  # fmt: skip
    write_result(cache, "L", "beta", "2.0.0", True, [raw("b.py", 1, "SQL001"), raw("b.py", 2, "SQL001")])
    results = check.load_results(cache, "L", projects)
    verdicts = {
        Key("alpha", "1.0.0", "a.py", 1, "SQL001"): Verdict(Key("alpha", "1.0.0", "a.py", 1, "SQL001"), "false", "r"),
        Key("alpha", "1.0.0", "a.py", 2, "SQL001"): Verdict(Key("alpha", "1.0.0", "a.py", 2, "SQL001"), "true", "r"),
        Key("alpha", "1.0.0", "a.py", 4, "B608"): Verdict(Key("alpha", "1.0.0", "a.py", 4, "B608"), "true", "r"),
        Key("beta", "2.0.0", "b.py", 1, "SQL001"): Verdict(Key("beta", "2.0.0", "b.py", 1, "SQL001"), "true", "r"),
    }
    registry = {"SQL001": {"default": True}, "MIG001": {"default": True}, "B608": {"default": False}}
    figures = check.compute(results, verdicts, registry)

    assert figures.rule_tuned["SQL001"] == Tally(findings=3, true=1, false=1)
    assert figures.rule_held["SQL001"] == Tally(findings=2, true=1)
    alpha = figures.projects["alpha"]
    # default rules (SQL001, MIG001): judged 2 of 4, plain 0.5; weighted: SQL001 3 x 0.5, MIG001 unjudged
    assert (alpha["default"]["findings"], alpha["default"]["judged"]) == (4, 2)
    assert alpha["default"]["precision"] == pytest.approx(0.5)
    assert alpha["default"]["weighted"] == pytest.approx(0.5)
    assert (alpha["default"]["unjudged_rules"], alpha["default"]["unjudged_findings"]) == (1, 1)
    # all rules add B608 (opt-in): plain 2/3; weighted (3 x 0.5 + 1 x 1.0) / 4
    assert alpha["all"]["precision"] == pytest.approx(2 / 3)
    assert alpha["all"]["weighted"] == pytest.approx(2.5 / 4)
    # held-out projects are weighted by the held-out precision of the rule, never the tuned one
    assert figures.projects["beta"]["all"]["weighted"] == pytest.approx(1.0)
    assert figures.overall["tuned"]["all"]["findings"] == 5
    assert figures.overall["held-out"]["all"]["judged"] == 1
    assert figures.critical_false == {"tuned": 1, "held-out": 0}
    text = check.render_text(check.report_tables(figures))
    assert "critical findings judged false: tuned 1, held-out 0" in text


def test_results_of_another_version_than_the_pinned_one_are_ignored(tmp_path):
    projects = check.load_projects(projects_file(tmp_path))
    write_result(tmp_path, "L", "alpha", "0.9.0", False, [raw("a.py", 1, "SQL001")])
    assert check.load_results(tmp_path, "L", projects) == {}


# --------------------------------------------------------------------------------------------
# Verdicts: validation and merging


def review_file(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "review.tsv"
    header = "project\tversion\tpath\tline\trule\tverdict\treason\tseverity\tmessage"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def run_cli(tmp_path: Path, *argv: str) -> int:
    return check.main(["--projects-file", str(tmp_path / "projects.yml"),
                       "--verdicts-file", str(tmp_path / "verdicts.tsv"), *argv])  # fmt: skip


def test_add_verdicts_rejects_every_bad_line_with_its_number_and_writes_nothing(tmp_path, capsys):
    projects_file(tmp_path)
    path = review_file(tmp_path, [
        "alpha\t1.0.0\ta.py\t3\tSQL001\ttrue\tparameterised upstream\tlow\tm",
        "gamma\t1.0.0\ta.py\t3\tSQL001\ttrue\treason\tlow\tm",
        "alpha\t0.1\ta.py\t3\tSQL001\ttrue\treason\tlow\tm",
        "alpha\t1.0.0\ta.py\t3\tSQL001\tmaybe\treason\tlow\tm",
        "alpha\t1.0.0\ta.py\t3\tSQL001\tfalse\t\tlow\tm",
        "alpha\t1.0.0\ta.py\tx\tSQL001\tfalse\treason\tlow\tm",
        "alpha\t1.0.0\t../a.py\t3\tSQL001\tfalse\treason\tlow\tm",
        "alpha\t1.0.0\ta.py\t3\tSQL001\tfalse\treason with\ta tab\tlow\tm",
    ])  # fmt: skip
    assert run_cli(tmp_path, "add-verdicts", str(path)) == 2
    err = capsys.readouterr().err
    assert "review.tsv:2" not in err
    for line, text in [(3, "unknown project"), (4, "version not pinned"), (5, "verdict must be one of"),
                       (6, "reason is empty"), (7, "line must be a positive number"), (8, "path must be relative"),
                       (9, "a tab inside a reason")]:  # fmt: skip
        assert f"review.tsv:{line}: " in err and text in err
    assert not (tmp_path / "verdicts.tsv").exists()


def test_add_verdicts_merges_sorted_one_line_per_key_and_says_what_it_replaced(tmp_path, capsys):
    projects_file(tmp_path)
    first = review_file(tmp_path, [
        "beta\t2.0.0\tz.py\t1\tSQL001\tfalse\tconstant from settings\tlow\tm",
        "alpha\t1.0.0\tb.py\t9\tSQL001\ttrue\tuser input reaches execute\tlow\tm",
        "alpha\t1.0.0\tb.py\t10\tSQL001\t\t\tlow\tm",
        "alpha\t1.0.0\ta.py\t3\tMIG001\tDebatable\tsmall table\tlow\tm",
    ])  # fmt: skip
    assert run_cli(tmp_path, "add-verdicts", str(first)) == 0
    assert "3 verdicts read (3 new, 0 replaced), 1 rows not filled in skipped" in capsys.readouterr().out
    second = review_file(tmp_path, ["alpha\t1.0.0\tb.py\t9\tSQL001\tfalse\tescaped by the caller\tlow\tm"])
    before = (tmp_path / "verdicts.tsv").read_text(encoding="utf-8")
    assert run_cli(tmp_path, "add-verdicts", str(second)) == 2  # an existing verdict is kept unless asked
    assert "would replace" in capsys.readouterr().err
    assert (tmp_path / "verdicts.tsv").read_text(encoding="utf-8") == before
    assert run_cli(tmp_path, "add-verdicts", "--replace", str(second)) == 0
    out = capsys.readouterr().out
    assert "replaces alpha 1.0.0 b.py:9 SQL001: true (user input reaches execute) -> false (escaped by the caller)" in out
    assert (tmp_path / "verdicts.tsv").read_text(encoding="utf-8").splitlines() == [
        "project\tversion\tpath\tline\trule\tverdict\treason",
        "alpha\t1.0.0\ta.py\t3\tMIG001\tdebatable\tsmall table",
        "alpha\t1.0.0\tb.py\t9\tSQL001\tfalse\tescaped by the caller",
        "beta\t2.0.0\tz.py\t1\tSQL001\tfalse\tconstant from settings",
    ]
    loaded = check.load_verdicts(tmp_path / "verdicts.tsv")
    assert loaded[Key("alpha", "1.0.0", "b.py", 9, "SQL001")].verdict == "false"


def test_sorting_of_verdicts_orders_lines_numerically():
    a = Verdict(Key("p", "1", "a.py", 10, "X"), "true", "r")
    b = Verdict(Key("p", "1", "a.py", 9, "X"), "true", "r")
    assert sorted([a, b], key=lambda v: v.key) == [b, a]


def test_a_duplicate_key_in_the_committed_file_is_an_error(tmp_path):
    path = tmp_path / "verdicts.tsv"
    line = "alpha\t1.0.0\ta.py\t3\tSQL001\ttrue\tr"
    path.write_text("\t".join(check.VERDICT_COLUMNS) + f"\n{line}\n{line}\n", encoding="utf-8")
    with pytest.raises(check.EcosystemError, match="a second verdict"):
        check.load_verdicts(path)


# --------------------------------------------------------------------------------------------
# Sampling


def many_findings() -> list[Finding]:
    return [finding("alpha", f"m{i % 7}.py", i, rule) for i in range(1, 60) for rule in ("SQL001", "SQL002", "MIG001")]


def test_sample_is_deterministic_per_seed_and_skips_judged_findings():
    found = many_findings()
    judged = {found[0].key: verdict(found[0], "true")}
    first = check.draw_sample(found, judged, ["SQL"], 5, seed=7)
    assert first == check.draw_sample(list(reversed(found)), judged, ["SQL"], 5, seed=7)
    assert first != check.draw_sample(found, judged, ["SQL"], 5, seed=8)
    assert [f.key.rule for f in first] == ["SQL001"] * 5 + ["SQL002"] * 5
    assert found[0].key not in {f.key for f in first}


def test_a_rules_sample_does_not_depend_on_the_other_rules_asked_for():
    found = many_findings()
    alone = check.draw_sample(found, {}, ["SQL001"], 4, seed=3)
    together = check.draw_sample(found, {}, ["SQL001", "MIG"], 4, seed=3)
    assert alone == [f for f in together if f.key.rule == "SQL001"]
    assert len(check.draw_sample(found[:2], {}, ["SQL001"], 12, seed=3)) == 1


def test_sample_command_writes_a_fillable_tsv_and_a_context_file(tmp_path, monkeypatch, capsys):
    projects_file(tmp_path)
    cache = tmp_path / "cache"
    monkeypatch.setenv("REVIEWER_ECOSYSTEM_DIR", str(cache))
    source = cache / "src" / "alpha-1.0.0" / "app"
    source.mkdir(parents=True)
    (source / "views.py").write_text("".join(f"line_{n} = {n}\n" for n in range(1, 21)), encoding="utf-8")
    write_result(cache, "L", "alpha", "1.0.0", False, [raw("app/views.py", 12, "SQL001")])
    write_result(cache, "L", "beta", "2.0.0", True, [raw("b.py", 1, "SQL001")])
    out = tmp_path / "review.tsv"
    assert run_cli(tmp_path, "sample", "--label", "L", "--rules", "sql001", "--seed", "1", "--out", str(out)) == 0
    rows = out.read_text(encoding="utf-8").splitlines()
    assert rows[0].split("\t")[:8] == ["n", *check.VERDICT_COLUMNS]
    assert rows[1].split("\t")[:8] == ["1", "alpha", "1.0.0", "app/views.py", "12", "SQL001", "", ""]
    assert len(rows) == 2  # the held-out finding is not sampled by default
    context = out.with_suffix(".md").read_text(encoding="utf-8")
    assert ">> 12 | line_12 = 12" in context and "    7 | line_7 = 7" in context and "17 | line_17" in context
    # the unfilled file is accepted and adds nothing
    assert run_cli(tmp_path, "add-verdicts", str(out)) == 0
    assert "1 rows not filled in skipped" in capsys.readouterr().out


# --------------------------------------------------------------------------------------------
# Compare and the precision JSON


def test_compare_lists_judged_findings_that_came_and_went_and_counts_the_unjudged(tmp_path):
    projects = check.load_projects(projects_file(tmp_path))
    write_result(tmp_path, "old", "alpha", "1.0.0", False,
                 [raw("a.py", 1, "SQL001"), raw("a.py", 2, "SQL001"), raw("a.py", 3, "SQL001")])  # fmt: skip
    write_result(tmp_path, "new", "alpha", "1.0.0", False,
                 [raw("a.py", 2, "SQL001"), raw("a.py", 4, "SQL001"), raw("a.py", 5, "SQL001"), raw("a.py", 6, "SQL001")])  # fmt: skip
    write_result(tmp_path, "new", "beta", "2.0.0", True, [raw("b.py", 1, "SQL001")])
    keys = {line: Key("alpha", "1.0.0", "a.py", line, "SQL001") for line in range(1, 7)}
    verdicts = {keys[1]: Verdict(keys[1], "false", "fp"), keys[2]: Verdict(keys[2], "true", "tp"),
                keys[4]: Verdict(keys[4], "true", "tp")}  # fmt: skip
    result = check.compare(check.load_results(tmp_path, "old", projects), check.load_results(tmp_path, "new", projects), verdicts)
    assert [(f.key.line, v.verdict) for f, v in result.appeared] == [(4, "true")]
    assert [(f.key.line, v.verdict) for f, v in result.disappeared] == [(1, "false")]
    assert (result.unjudged_appeared, result.unjudged_disappeared) == (2, 1)
    assert result.only_in_one == ["beta"]
    table = check.comparison_table(result, "old", "new")
    assert "unjudged findings appeared: 2; disappeared: 1" in table.notes


def test_precision_json_has_the_contract_shape_and_only_rules_with_tuned_findings():
    data = check.precision_json("before", {"SQL001": Tally(120, 30, 8, 2), "MIG001": Tally(3), "X1": Tally(0)})
    assert data == {
        "generated_by": "python bench/ecosystem/check.py report --write-precision",
        "results": "before",
        "threshold": 0.85,
        "rules": {
            "MIG001": {"findings": 3, "judged": 0, "true": 0, "false": 0, "debatable": 0, "precision": None, "strict": None},
            "SQL001": {"findings": 120, "judged": 40, "true": 30, "false": 8, "debatable": 2,
                       "precision": 0.775, "strict": 0.75},
        },
    }  # fmt: skip


def test_report_command_writes_the_precision_file_from_tuned_projects_only(tmp_path, monkeypatch, capsys):
    projects_file(tmp_path)
    monkeypatch.setenv("REVIEWER_ECOSYSTEM_DIR", str(tmp_path / "cache"))
    write_result(tmp_path / "cache", "L", "alpha", "1.0.0", False, [raw("a.py", 1, "SQL001"), raw("a.py", 2, "SQL001")])
    write_result(tmp_path / "cache", "L", "beta", "2.0.0", True, [raw("b.py", 1, "MIG001")])
    (tmp_path / "verdicts.tsv").write_text(
        "\t".join(check.VERDICT_COLUMNS) + "\nalpha\t1.0.0\ta.py\t1\tSQL001\ttrue\tuser input\n", encoding="utf-8"
    )
    target = tmp_path / "field_precision.json"
    assert run_cli(tmp_path, "report", "--label", "L", "--format", "md", "--write-precision",
                   "--precision-file", str(target)) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "### Rules" in out and "| SQL001 | opt-in | 2 | 0 | 1 | 1 | 0 | 0 | 1.000 |" in out
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["results"] == "L" and list(data["rules"]) == ["SQL001"]
    assert data["rules"]["SQL001"]["findings"] == 2 and data["rules"]["SQL001"]["precision"] == 1.0
    assert run_cli(tmp_path, "report", "--label", "L", "--format", "json") == 0
    assert json.loads(capsys.readouterr().out)["rules"]["MIG001"]["held_out"]["findings"] == 1


def test_unknown_label_is_a_clear_error(tmp_path, monkeypatch, capsys):
    projects_file(tmp_path)
    monkeypatch.setenv("REVIEWER_ECOSYSTEM_DIR", str(tmp_path / "cache"))
    assert run_cli(tmp_path, "report", "--label", "nope") == 2
    assert "no results labelled 'nope'" in capsys.readouterr().err


# --------------------------------------------------------------------------------------------
# Fetch, against a fake index on 127.0.0.1


def sdist_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as bundle:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            bundle.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


class FakeIndex:
    """A PyPI JSON simple index serving one project's files, counting the requests."""

    def __init__(self, name: str, files: dict[str, bytes], advertised: dict[str, str] | None = None) -> None:
        self.requests: list[str] = []
        index = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                index.requests.append(self.path)
                if self.path == f"/simple/{name}/":
                    assert self.headers["Accept"] == check.INDEX_ACCEPT
                    body = json.dumps({"files": [
                        {"filename": fn, "url": f"../../files/{fn}",
                         "hashes": {"sha256": (advertised or {}).get(fn) or hashlib.sha256(data).hexdigest()}}
                        for fn, data in files.items()
                    ]}).encode()  # fmt: skip
                elif self.path.startswith("/files/") and self.path[7:] in files:
                    body = files[self.path[7:]]
                else:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeIndex:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def fetch(tmp_path: Path, index: FakeIndex) -> int:
    return run_cli(tmp_path, "fetch", "--projects", "alpha", "--index-url", f"{index.base}/simple/")


def test_fetch_verifies_extracts_and_a_second_run_uses_no_network(tmp_path, monkeypatch, capsys):
    archive = sdist_bytes({"alpha-1.0.0/app/models.py": b"x = 1\n", "alpha-1.0.0/PKG-INFO": b"Name: alpha\n"})
    projects_file(tmp_path, sha=hashlib.sha256(archive).hexdigest())
    monkeypatch.setenv("REVIEWER_ECOSYSTEM_DIR", str(tmp_path / "cache"))
    with FakeIndex("alpha", {"alpha-1.0.0.tar.gz": archive}) as index:
        assert fetch(tmp_path, index) == 0
        assert index.requests == ["/simple/alpha/", "/files/alpha-1.0.0.tar.gz"]
        root = tmp_path / "cache" / "src" / "alpha-1.0.0"
        assert (root / "app" / "models.py").read_text() == "x = 1\n"
        assert fetch(tmp_path, index) == 0
        assert len(index.requests) == 2
        assert "cached" in capsys.readouterr().out
        # the extracted tree gone, the download kept: extracted again without the network
        import shutil

        shutil.rmtree(root)
        assert fetch(tmp_path, index) == 0
        assert len(index.requests) == 2 and (root / "app" / "models.py").exists()


def test_fetch_fails_clearly_on_a_sha256_mismatch_and_keeps_nothing(tmp_path, monkeypatch, capsys):
    archive = sdist_bytes({"alpha-1.0.0/app.py": b"x = 1\n"})
    pinned = hashlib.sha256(b"something else").hexdigest()
    projects_file(tmp_path, sha=pinned)
    monkeypatch.setenv("REVIEWER_ECOSYSTEM_DIR", str(tmp_path / "cache"))
    # the index advertises the pinned hash, but the file served is another one
    with FakeIndex("alpha", {"alpha-1.0.0.tar.gz": archive}, advertised={"alpha-1.0.0.tar.gz": pinned}) as index:
        assert fetch(tmp_path, index) == 2
    err = capsys.readouterr().err
    assert f"sha256 mismatch for alpha-1.0.0.tar.gz: expected {pinned}, got {hashlib.sha256(archive).hexdigest()}" in err
    assert not list((tmp_path / "cache" / "downloads").rglob("*.tar.gz*"))
    assert not (tmp_path / "cache" / "src" / "alpha-1.0.0").exists()


def test_fetch_names_the_files_of_the_version_when_no_hash_matches(tmp_path, monkeypatch, capsys):
    archive = sdist_bytes({"alpha-1.0.0/app.py": b"x = 1\n"})
    projects_file(tmp_path, sha="f" * 64)
    monkeypatch.setenv("REVIEWER_ECOSYSTEM_DIR", str(tmp_path / "cache"))
    with FakeIndex("alpha", {"alpha-1.0.0.tar.gz": archive}) as index:
        assert fetch(tmp_path, index) == 2
    assert "no file with the pinned sha256" in capsys.readouterr().err


def test_a_tar_with_parent_paths_does_not_escape(tmp_path, monkeypatch, capsys):
    archive = sdist_bytes({"alpha-1.0.0/app.py": b"x = 1\n", "alpha-1.0.0/../../escaped.py": b"owned = 1\n"})
    projects_file(tmp_path, sha=hashlib.sha256(archive).hexdigest())
    monkeypatch.setenv("REVIEWER_ECOSYSTEM_DIR", str(tmp_path / "cache"))
    with FakeIndex("alpha", {"alpha-1.0.0.tar.gz": archive}) as index:
        assert fetch(tmp_path, index) == 2
    assert "cannot extract safely" in capsys.readouterr().err
    assert not list(tmp_path.rglob("escaped.py"))
    assert not (tmp_path / "cache" / "src" / "alpha-1.0.0").exists()


def test_a_zip_with_parent_paths_does_not_escape(tmp_path):
    archive = tmp_path / "alpha-1.0.0-py3-none-any.whl"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("alpha/app.py", "x = 1\n")
        bundle.writestr("../escaped.py", "owned = 1\n")
    with pytest.raises(check.EcosystemError, match="would land outside"):
        check.extract(archive, tmp_path / "out")
    assert not list(tmp_path.rglob("escaped.py"))


# --------------------------------------------------------------------------------------------
# Scan: the real reviewer on a tiny project with a `scan:` subfolder


def test_scan_runs_every_rule_and_reports_paths_from_the_top_folder(tmp_path, monkeypatch, capsys):
    (tmp_path / "projects.yml").write_text(
        "projects:\n  - name: alpha\n    version: '1.0.0'\n    sha256: '" + SHA
        + "'\n    held_out: false\n    scan: [src/app]\n",
        encoding="utf-8",
    )  # fmt: skip
    cache = tmp_path / "cache"
    monkeypatch.setenv("REVIEWER_ECOSYSTEM_DIR", str(cache))
    app = cache / "src" / "alpha-1.0.0" / "src" / "app"
    app.mkdir(parents=True)
    (app / "db.py").write_text(
        "import sqlite3\n\n\ndef find(conn: sqlite3.Connection, name: str):\n"
        "    return conn.execute(f\"SELECT * FROM users WHERE name = '{name}'\").fetchall()\n",
        encoding="utf-8",
    )
    (cache / "src" / "alpha-1.0.0" / "outside.py").write_text("import pickle\npickle.loads(b'')\n", encoding="utf-8")
    reviewer = str(Path(sys.executable).parent / "reviewer")
    assert run_cli(tmp_path, "scan", "--label", "t", "--jobs", "1", "--reviewer", reviewer) == 0
    report = json.loads((cache / "results" / "t" / "alpha.json").read_text(encoding="utf-8"))
    assert report["ecosystem"]["status"] == "ok" and report["ecosystem"]["scanned"] == ["src/app"]
    command = report["ecosystem"]["command"]
    assert "MIG013" in command[command.index("--select") + 1]
    config = Path(command[command.index("--config") + 1])
    assert config.read_text(encoding="utf-8").endswith("file-timeout: 120\n")
    paths = {f["path"] for f in report["findings"]}
    assert paths == {"src/app/db.py"}
    counts = (cache / "results" / "t" / "counts.tsv").read_text(encoding="utf-8").splitlines()
    assert counts[0] == "rule\ttuned\theld_out\talpha"
    assert counts[-1].startswith("total\t")


def test_a_scan_that_crashes_is_recorded_with_its_stderr_and_the_next_project_still_runs(tmp_path, monkeypatch, capsys):
    projects_file(tmp_path)
    cache = tmp_path / "cache"
    monkeypatch.setenv("REVIEWER_ECOSYSTEM_DIR", str(cache))
    for name in ("alpha-1.0.0", "beta-2.0.0"):
        (cache / "src" / name).mkdir(parents=True)
    fake = tmp_path / "reviewer"
    fake.write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys\n"
        "if sys.argv[1] == 'rules':\n"
        "    print(json.dumps([{'code': 'SQL001', 'default': True}, {'code': 'B608', 'default': False}]))\n"
        "elif 'alpha' in os.getcwd():\n"
        "    sys.exit('Traceback (most recent call last):\\nKeyError: boom')\n"
        "else:\n"
        "    out = sys.argv[sys.argv.index('--output') + 1]\n"
        "    report = {'summary': {'files': 1, 'lines': 2}, 'errors': [],\n"
        "              'findings': [{'rule': 'B608', 'path': 'x.py', 'line': 1, 'severity': 'medium'}]}\n"
        "    open(out, 'w').write(json.dumps(report))\n",
        encoding="utf-8",
    )
    fake.chmod(0o755)
    assert run_cli(tmp_path, "scan", "--label", "t", "--reviewer", str(fake)) == 0
    out = capsys.readouterr().out
    assert "alpha 1.0.0: failed (exit 1, no JSON report" in out and "beta 2.0.0: ok" in out
    alpha = json.loads((cache / "results" / "t" / "alpha.json").read_text(encoding="utf-8"))
    assert alpha["ecosystem"]["exit_code"] == 1 and "KeyError: boom" in alpha["ecosystem"]["stderr"]
    beta = json.loads((cache / "results" / "t" / "beta.json").read_text(encoding="utf-8"))
    assert beta["ecosystem"]["command"][beta["ecosystem"]["command"].index("--select") + 1] == "ALL,B608"
    runs = (cache / "results" / "t" / "runs.tsv").read_text(encoding="utf-8")
    assert "\tfailed (exit 1, no JSON report" in runs


def test_a_second_held_out_cohort_is_reported_apart_with_its_own_precision(tmp_path):
    path = projects_file(tmp_path)
    path.write_text(path.read_text() + '  - name: gamma\n    version: "3.0.0"\n    sha256: "' + SHA
                    + '"\n    frameworks: [fastapi]\n    held_out: true\n    cohort: 2\n')  # fmt: skip
    projects = check.load_projects(path)
    assert [p.cohort for p in projects] == [1, 1, 2]
    cache = tmp_path / "cache"
    write_result(cache, "L", "alpha", "1.0.0", False, [])
    write_result(cache, "L", "beta", "2.0.0", True, [raw("b.py", 1, "SQL001")])
    write_result(cache, "L", "gamma", "3.0.0", True, [raw("g.py", 1, "SQL001"), raw("g.py", 2, "SQL001")])
    results = check.load_results(cache, "L", projects)
    keys = [Key("beta", "2.0.0", "b.py", 1, "SQL001"), Key("gamma", "3.0.0", "g.py", 1, "SQL001"),
            Key("gamma", "3.0.0", "g.py", 2, "SQL001")]  # fmt: skip
    verdicts = {k: Verdict(k, v, "r") for k, v in zip(keys, ["true", "false", "false"])}
    figures = check.compute(results, verdicts, {"SQL001": {"default": True}})
    assert figures.overall["held-out"]["default"]["precision"] == pytest.approx(1 / 3)
    assert figures.overall["held-out 1"]["default"]["weighted"] == pytest.approx(1.0)
    assert figures.overall["held-out 2"]["default"]["weighted"] == pytest.approx(0.0)
    assert figures.projects["gamma"]["set"] == "held-out 2"


@pytest.mark.parametrize("extra", ["    held_out: false\n    cohort: 2\n", "    held_out: true\n    cohort: 0\n",
                                   "    held_out: true\n    cohort: yes\n"])  # fmt: skip
def test_a_cohort_is_a_positive_number_on_held_out_projects_only(tmp_path, extra):
    path = tmp_path / "projects.yml"
    path.write_text(f'projects:\n  - name: a\n    version: "1"\n    sha256: "{SHA}"\n{extra}', encoding="utf-8")
    with pytest.raises(check.EcosystemError, match="cohort"):
        check.load_projects(path)


def test_a_scan_of_some_rules_names_them_opt_in_ones_included_and_rejects_unknown_ones():
    registry = {"SQL001": {"default": True}, "SQL002": {"default": True}, "ORM012": {"default": False},
                "OPS001": {"default": True}}  # fmt: skip
    assert check.select_some(registry, "sql,ORM012") == "ORM012,SQL001,SQL002"
    assert check.select_everything(registry) == "ALL,ORM012"
    with pytest.raises(check.EcosystemError, match="names no rule"):
        check.select_some(registry, "XYZ9")
