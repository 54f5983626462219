"""Diffs, git log, file listings and grep results."""

from summarize_helpers import kind_of, summary_of


def a_diff(files: int = 40) -> str:
    parts = []
    for f in range(files):
        hunk = "".join(f"-old line {i}\n+new line {i}\n" for i in range(20))
        parts.append(f"diff --git a/src/mod{f}.py b/src/mod{f}.py\nindex 1111111..2222222 100644\n"
                     f"--- a/src/mod{f}.py\n+++ b/src/mod{f}.py\n@@ -10,20 +10,20 @@ def handler_{f}():\n{hunk}")
    parts.append("diff --git a/src/new.py b/src/new.py\nnew file mode 100644\nindex 0000000..3333333\n"
                 "--- /dev/null\n+++ b/src/new.py\n@@ -0,0 +1,2 @@\n+VALUE = 1\n+OTHER = 2\n")
    return "".join(parts)


def test_diff_counts_files_lines_and_keeps_hunk_headers():
    summary = summary_of(a_diff(), "git diff HEAD~1")
    assert summary.kind == "diff"
    assert "diff: 41 files changed, +802 -800 lines, 41 hunks" in summary.body
    assert "+20 -20  src/mod0.py (L1, 1 hunk)" in summary.body
    assert "src/new.py (new)" in summary.body
    assert "@@ -10,20 +10,20 @@ def handler_0():" in summary.body
    assert kind_of(a_diff(), "") == "diff"


def test_git_log_counts_authors_range_newest_and_oldest():
    commits = []
    for i in range(200):
        commits.append(f"commit {i:040x}\nAuthor: {['Ada', 'Grace'][i % 2]} <a@example.test>\n"
                       f"Date:   Mon Jan {1 + i % 28} 10:00:00 2026 +0000\n\n    Change {199 - i}: tune things\n")
    summary = summary_of("\n".join(commits), "git log")
    assert summary.kind == "git-log"
    assert "git log: 200 commits" in summary.body
    assert "Ada 100" in summary.body and "Grace 100" in summary.body
    assert "Change 199: tune things" in summary.body
    assert "oldest:" in summary.body and "Change 0: tune things" in summary.body


def test_listing_groups_under_common_dir_with_extension_counts():
    paths = [f"/srv/site/{d}/{sub}/file{i}.{ext}" for d in ("api", "web", "docs", "tests", "tools")
             for sub in ("a", "b") for i in range(60) for ext in ("py",)]
    summary = summary_of("\n".join(paths) + "\n", "find /srv/site -type f")
    assert summary.kind == "listing"
    assert "listing: 600 entries under /srv/site/" in summary.body
    assert "120  api/" in summary.body and "120  tools/" in summary.body
    assert "per extension: .py 600" in summary.body


def test_ls_long_shows_largest_entries():
    rows = [f"-rw-r--r-- 1 dev dev {1000 + i} Mar  2 10:00 file{i}.log" for i in range(400)]
    rows.append("-rw-r--r-- 1 dev dev 987654321 Mar  2 10:00 huge.bin")
    summary = summary_of("total 4242\n" + "\n".join(rows) + "\n", "ls -la /var/data")
    assert "941.9 MB  huge.bin (L402)" in summary.body


def test_grep_counts_per_file_and_first_matches():
    hits = [f"/srv/app/src/mod{i % 7}.py:{10 + i}:    raise ValueError('bad {i}')" for i in range(500)]
    summary = summary_of("\n".join(hits) + "\n", "grep -rn ValueError /srv/app")
    assert summary.kind == "grep"
    assert "grep: 500 matches in 7 files under /srv/app/src/" in summary.body
    assert "72  mod0.py" in summary.body
    assert "mod0.py:10: raise ValueError('bad 0')" in summary.body
    assert kind_of("\n".join(hits), "") == "grep"


def test_grep_files_with_matches_mode():
    text = "\n".join(f"/srv/app/src/pkg{i % 5}/mod{i}.py" for i in range(400)) + "\n"
    summary = summary_of(text, tool="Grep")
    assert summary.body.startswith("files with matches: 400 entries under /srv/app/src/")


def test_grep_n_with_context_on_one_file_lists_the_matching_lines_not_timestamps_as_files(tmp_path):
    """`grep -n -A 2 ERROR app.log`: "N:match" and "N-context" lines whose text holds colons (timestamps)."""
    import subprocess

    log = [f"2026-03-14T09:{n // 60 % 60:02d}:{n % 60:02d}Z INFO http.access status=200" for n in range(600)]
    log[100] = "2026-03-14T09:01:40Z ERROR worker.heartbeat msg=late"
    log[400] = "2026-03-14T09:06:40Z ERROR payments.charge request_id=req-7f3a9c21 msg=failed"
    (tmp_path / "app.log").write_text("\n".join(log) + "\n")
    text = subprocess.run(["grep", "-n", "-A", "2", "ERROR", "app.log"], cwd=tmp_path, capture_output=True,
                          text=True).stdout
    summary = summary_of(text, "grep -n -A 2 ERROR app.log")
    assert summary.kind == "grep"
    assert summary.body.startswith("grep: 2 matches in 1 file")
    assert "401: 2026-03-14T09:06:40Z ERROR payments.charge request_id=req-7f3a9c21 msg=failed" in summary.body
