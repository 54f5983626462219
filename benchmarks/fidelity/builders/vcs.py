# Commands, needle patterns and asked texts are kept whole on one line each, as the tools print them.
# ruff: noqa: E501
"""git on real history: this project's own, DaveGamble/cJSON's and spf13/pflag's. Logs, patches (`git log
-p`, `git show`, `git diff`), blame, status, and a real merge conflict. Patch needles are changed lines,
which is what an agent reads a patch for."""

from __future__ import annotations

import re
from pathlib import Path

from .base import CHANGED, COUNT, ERROR, IDENT, LOCATION, NAME, PATH, REPO, Case, N, checkout, edit, first_match, sh

GIT = "git -c core.pager=cat -c color.ui=never"


def changed_lines(patch: str, count: int = 2) -> list[str]:
    """Removed and added lines spread over the patch (the middle and the end, not only the first hunk), each
    long enough to be the line the agent came for."""
    lines = [ln for ln in patch.split("\n") if re.match(r"^[+-](?![+-]{2} )\S.{24,}", ln) and "\t" not in ln[:2]]
    removed = [ln for ln in lines if ln.startswith("-")]
    added = [ln for ln in lines if ln.startswith("+")]
    picks = []
    for group in (removed, added):
        if group:
            picks += [group[len(group) // 2], group[-1]][:count]
    return list(dict.fromkeys(p[:100] for p in picks))


def identifier(line: str) -> str:
    """The most telling name in a changed line: its longest identifier-like word of 5+ characters."""
    words = re.findall(r"[A-Za-z_][A-Za-z0-9_]{4,}", line)
    return max(words, key=len) if words else ""


def patch_case(name: str, cwd: Path, command: str, asked: str, source: str, kind: str = "git-log",
               extra: list[N] | None = None) -> Case:
    """A patch-printing git command's output; its needles are changed lines and the newest commit's short
    hash (7 characters, as `git log --oneline` prints it: any longer abbreviation holds it)."""
    out = sh(f"{GIT} {command[4:]}", cwd)
    changed = changed_lines(out.text)
    needles = [N(line, CHANGED) for line in changed] + (extra or [])
    names = list(dict.fromkeys(filter(None, map(identifier, changed))))
    if names:  # an agent asks about particular changes: it names what it is after
        asked += f" I'm after the lines with {', '.join(f'`{n}`' for n in names)}."
    commit = re.search(r"^commit ([0-9a-f]{40})", out.text, re.M)
    if commit:
        needles.append(N(commit.group(1)[:7], IDENT))
    return Case(name, out.text, command, kind=kind, program=" ".join(command.split()[:2]), family="vcs",
                exit_code=out.rc, asked=asked, source=source, needles=needles)


def own_history(tmp: Path) -> list[Case]:
    repo = REPO
    src = "this project's git history"
    cases = []
    out = sh(f"{GIT} log -n 80", repo)
    hashes = re.findall(r"^commit ([0-9a-f]{40})", out.text, re.M)
    middle = hashes[len(hashes) // 2]
    subject = first_match(rf"^commit {middle}\n(?:.+\n)+?\n    (.+)$", out.text, 1)
    cases.append(Case("git_log_ctxlean", out.text, "git log -n 80", kind="git-log", program="git log", family="vcs",
                      exit_code=out.rc, source=src, asked=f"Find the commit that did this: {subject[:60]}",
                      needles=[N(middle[:7], IDENT), N(subject[:80], NAME)]))
    out = sh(f"{GIT} log --oneline", repo)
    rows = out.text.splitlines()
    row = rows[len(rows) // 2]
    cases.append(Case("git_log_oneline_ctxlean", out.text, "git log --oneline", kind="git-log", program="git log",
                      family="vcs", exit_code=out.rc, source=src, asked=f"Which commit was \"{row[8:60]}\"?",
                      needles=[N(row.split()[0], IDENT), N(rows[0].split()[0], IDENT)]))
    out = sh(f"{GIT} log --stat -n 40", repo)
    row = re.sub(r"^.*?(src/ctxlean/\S+\.py) .*$", r"\1", next(
        ln for ln in out.text.split("\n")[len(out.text.split("\n")) // 2:] if re.match(r"^ src/ctxlean/\S+\.py +\| +\d+ [+-]+$", ln)))
    cases.append(Case("git_log_stat_ctxlean", out.text, "git log --stat -n 40", kind="git-log", program="git log",
                      family="vcs", exit_code=out.rc, source=src,
                      asked=f"Which recent commits touched {row}, and how much?",
                      needles=[N(first_match(rf"^ {re.escape(row)} +\| +\d+ [+-]+$", out.text).strip(), CHANGED),
                               N(first_match(r"^ \d+ files? changed.*$", out.text).strip(), COUNT)]))
    for name, command, asked in (
            ("git_log_patch_summarize", "git log -p -n 6 -- src/ctxlean/summarize/",
             "How did the summarizers change in the last six commits that touched them? Show me the removed and added code."),
            ("git_log_patch_big", "git log -p -n 30 -- src/ctxlean/summarize/ src/ctxlean/offload.py",
             "What did the last 30 commits change in the summarizers and offload.py? I need the removed and added lines."),
            ("git_log_patch_readme", "git log -p -n 4 -- README.md", "What did the last README edits change in the figures?")):
        cases.append(patch_case(name, repo, command, asked, src))
    log = sh(f"{GIT} log --format=%H --shortstat -n 120", repo).text
    sized = [(int(m.group(2)) + int(m.group(3) or 0), m.group(1)) for m in
             re.finditer(r"^([0-9a-f]{40})\n\n \d+ files? changed, (\d+) insertions?\(\+\)(?:, (\d+) deletions?)?", log, re.M)]
    medium = sorted(c for c in sized if 300 <= c[0] <= 3000)
    if medium:
        commit = medium[len(medium) // 2][1]
        cases.append(patch_case("git_show_ctxlean", repo, f"git show {commit[:12]}",
                                "Show me what that commit changed; I need the exact new lines.", src, kind="diff"))
        cases.append(patch_case("git_show_stat_ctxlean", repo, f"git show --stat -p {commit[:12]}",
                                "Which files did it touch, and what changed in them?", src, kind="diff"))
    first, last = sh(f"{GIT} log --format=%h -n 25", repo).text.split()[::24][:2][::-1]
    cases.append(patch_case("git_diff_ctxlean_range", repo, f"git diff {first}..{last} -- src/ctxlean/hooks src/ctxlean/offload.py",
                            "What changed in the hooks and offload.py between those two commits?", src, kind="diff"))
    out = sh(f"{GIT} diff --stat {first}..{last}", repo)
    cases.append(Case("git_diff_stat_ctxlean", out.text, f"git diff --stat {first}..{last}", kind="diff",
                      program="git diff", family="vcs", exit_code=out.rc, source=src,
                      asked="How big is the change between those commits, and which files grew most?",
                      needles=[N(first_match(r"^ \d+ files? changed.*$", out.text).strip(), COUNT)]))
    out = sh(f"{GIT} blame src/ctxlean/offload.py", repo)
    row = out.text.splitlines()[len(out.text.splitlines()) // 2]
    line_no = first_match(r"(\d+)\)", row, 1)
    cases.append(Case("git_blame_offload", out.text, "git blame src/ctxlean/offload.py", kind="text", program="git blame",
                      family="vcs", exit_code=out.rc, source=src,
                      asked=f"Who last changed line {line_no} of offload.py, and in which commit?",
                      needles=[N(row.split()[0], IDENT), N(row[row.index(")") + 1:].strip()[:60] or row[:40], NAME)]))
    work = tmp / "ctxlean"
    sh(f"git clone -q --no-hardlinks {REPO} {work}")
    edit(work / "src/ctxlean/tokens.py", "BYTES_PER_TOKEN = 4", "BYTES_PER_TOKEN = 3")
    (work / "src/ctxlean/summarize/common.py").write_text((work / "src/ctxlean/summarize/common.py").read_text().replace("def ", "def  ", 5))
    (work / "notes.txt").write_text("scratch\n")
    sh("git rm -q --cached README.md", work)
    for name, command in (("git_status_long", "git status"), ("git_diff_worktree", "git diff")):
        out = sh(f"{GIT} {command[4:]}", work)
        needles = ([N("modified:   src/ctxlean/tokens.py", PATH), N("notes.txt", PATH), N("deleted:    README.md", PATH)]
                   if "status" in command else
                   [N("-BYTES_PER_TOKEN = 4", CHANGED), N("+BYTES_PER_TOKEN = 3", CHANGED), N("src/ctxlean/summarize/common.py", PATH)])
        cases.append(Case(name, out.text, command, kind="text" if "status" in command else "diff",
                          program=command, family="vcs", exit_code=out.rc, source="a clone of this project with edits",
                          asked="What have I changed so far?", needles=needles))
    return cases


def public_history(tmp: Path) -> list[Case]:
    cases = []
    work = tmp / "cJSON"
    provenance = checkout("DaveGamble/cJSON", work, history=True)
    if provenance is not None:
        cases.append(patch_case("git_log_patch_cjson", work, "git log -p -n 12 -- cJSON.c",
                                "What did the recent fixes to cJSON.c change? I'm looking for the bounds checks.", provenance))
        cases.append(patch_case("git_log_patch_cjson_tests", work, "git log -p -n 10 -- tests/",
                                "Which cJSON tests were added recently, and what do they assert?", provenance))
        out = sh(f"{GIT} log --oneline --graph -n 300", work)
        merge = first_match(r"^[*| ]*\* +([0-9a-f]{7,}) Merge pull request #(\d+)", out.text)
        cases.append(Case("git_log_graph_cjson", out.text, "git log --oneline --graph -n 300", kind="git-log",
                          program="git log", family="vcs", exit_code=out.rc, source=provenance,
                          asked="Which merge brought pull request " + re.search(r"#(\d+)", merge).group(1) + " in?",
                          needles=[N(re.search(r"([0-9a-f]{7,}) Merge", merge).group(1), IDENT)]))
        tags = sh(f"{GIT} tag --sort=-creatordate", work).text.split()
        if len(tags) >= 2:
            cases.append(patch_case("git_diff_cjson_release", work, f"git diff {tags[1]} {tags[0]} -- cJSON.c cJSON.h",
                                    f"What changed in cJSON.c between {tags[1]} and {tags[0]}?", provenance, kind="diff",
                                    extra=[N(first_match(r"^@@ -\d+,\d+ \+\d+,\d+ @@.*$", sh(f"{GIT} diff {tags[1]} {tags[0]} -- cJSON.c", work).text)[:40], LOCATION)]))
        out = sh(f"{GIT} shortlog -sn HEAD", work)
        cases.append(Case("git_shortlog_cjson", out.text, "git shortlog -sn HEAD", kind="text", program="git shortlog",
                          family="vcs", exit_code=out.rc, source=provenance, asked="Who wrote most of cJSON?",
                          needles=[N(out.text.splitlines()[0].strip(), NAME)]))
        out = sh(f"{GIT} blame -L 1,600 cJSON.c", work)
        row = out.text.splitlines()[300]
        cases.append(Case("git_blame_cjson", out.text, "git blame -L 1,600 cJSON.c", kind="text", program="git blame",
                          family="vcs", exit_code=out.rc, source=provenance,
                          asked="Which commit last touched line 301 of cJSON.c?", needles=[N(row.split()[0], IDENT)]))
    work = tmp / "pflag"
    provenance = checkout("spf13/pflag", work, history=True)
    if provenance is not None:
        cases.append(patch_case("git_log_patch_pflag", work, "git log -p -n 8 -- flag.go",
                                "How has flag.go's parsing changed lately?", provenance))
        cases.append(patch_case("git_diff_pflag_range", work, "git diff HEAD~25 HEAD",
                                "What changed in pflag over the last 25 commits? I need the changed lines.", provenance,
                                kind="diff"))
        out = sh(f"{GIT} log --format='%h %an %ad %s' --date=short", work)
        row = out.text.splitlines()[len(out.text.splitlines()) // 2]
        cases.append(Case("git_log_format_pflag", out.text, "git log --format='%h %an %ad %s' --date=short",
                          kind="git-log", program="git log", family="vcs", exit_code=out.rc, source=provenance,
                          asked=f"When did \"{row.split(' ', 3)[3][:50]}\" land, and by whom?",
                          needles=[N(row.split()[0], IDENT), N(row.split(" ", 3)[2], NAME)]))
        # a real merge conflict: two branches change the same usage line
        git = f"{GIT} -c user.name=Dev -c user.email=dev@example.test"
        sh(f"{git} checkout -q -b usage-a && sed -i 's/Usage of %s:/Usage of %s (options):/' flag.go && "
           f"{git} commit -qam 'Say options in usage' && {git} checkout -q - && "
           f"sed -i 's/Usage of %s:/usage: %s [flags]/' flag.go && {git} commit -qam 'Lower-case usage'", work)
        out = sh(f"{git} merge usage-a", work)
        cases.append(Case("git_merge_conflict", out.text, "git merge usage-a", kind="text", program="git merge",
                          family="vcs", failing=True, exit_code=out.rc, source=provenance + " with two branches made here",
                          asked="Merge usage-a into my branch.",
                          needles=[N("CONFLICT (content): Merge conflict in flag.go", ERROR),
                                   N("Automatic merge failed; fix conflicts and then commit the result.", ERROR)]))
        out = sh(f"{GIT} diff", work)
        cases.append(Case("git_diff_conflict", out.text, "git diff", kind="diff", program="git diff", family="vcs", exit_code=out.rc, source=provenance + " during the merge conflict",
                          asked="Show me the conflicting hunks in flag.go.",
                          needles=[N(first_match(r"^\+\+<<<<<<< HEAD$", out.text), CHANGED),
                                   N(first_match(r"^\+.*Usage of %s \(options\):.*$", out.text), CHANGED)]))
    return cases


def more_public_history(tmp: Path) -> list[Case]:
    """Patches and logs of commander.js, more-itertools and path-to-regexp."""
    cases = []
    for repo, jobs in (
            ("tj/commander.js", (
                ("git_log_patch_commander", "git log -p -n 10 -- lib/command.js",
                 "How did recent commits change lib/command.js? I need the exact edited lines."),
                ("git_log_stat_commander", "git log --stat -n 40", "Which recent commits touched lib/help.js?"),
                ("git_show_commander_head", "git show HEAD~5", "What did HEAD~5 change?"),
                ("git_log_patch_commander_tests", "git log -p -n 4 -- tests/*.test.js",
                 "Which tests changed in the last four commits that touched them, and how? Show me the edited assertions."),
                ("git_diff_commander_range", "git diff HEAD~20 HEAD -- lib/",
                 "What changed in lib/ over the last twenty commits?"))),
            ("more-itertools/more-itertools", (
                ("git_log_patch_more_itertools", "git log -p -n 10 -- more_itertools/more.py",
                 "What changed in more.py in the last ten commits?"),
                ("git_log_oneline_more_itertools", "git log --oneline -n 1500", "Find the commit that added windowed_complete."),
                ("git_show_more_itertools_3", "git show HEAD~3", "What did HEAD~3 change in more-itertools?"),
                ("git_log_patch_more_itertools_tests", "git log -p -n 15 -- tests/test_recipes.py",
                 "How were the recipe tests edited lately?"))),
            ("pillarjs/path-to-regexp", (
                ("git_log_patch_path_to_regexp", "git log -p -n 6 -- src/index.ts",
                 "How has src/index.ts changed lately? Show me the changed code."),
                ("git_show_path_to_regexp", "git show HEAD~2", "What did HEAD~2 change in path-to-regexp?")))):
        work = tmp / repo.split("/")[1]
        provenance = checkout(repo, work, history=True)
        if provenance is None:
            continue
        for name, command, asked in jobs:
            if "--stat" in command or "--oneline" in command:
                out = sh(f"{GIT} {command[4:]}", work)
                if "--stat" in command:
                    row = first_match(r"^ lib/help\.js +\| +\d+ [+-]+$", out.text).strip()
                    needles = [N(row, CHANGED), N(first_match(r"^ \d+ files? changed.*$", out.text).strip(), COUNT)]
                else:
                    needles = [N(first_match(r"^[0-9a-f]{7,} .*windowed_complete.*$", out.text), IDENT)]
                cases.append(Case(name, out.text, command, kind="git-log", program="git log", family="vcs",
                                  exit_code=out.rc, asked=asked, source=provenance, needles=needles))
            else:
                cases.append(patch_case(name, work, command, asked, provenance,
                                        kind="diff" if command.startswith("git show") else "git-log"))
    return cases


BUILDERS = {"git-own": own_history, "git-public": public_history, "git-more": more_public_history}
