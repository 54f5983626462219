# Commands, needle patterns and asked texts are kept whole on one line each, as the tools print them.
# ruff: noqa: E501
"""Data: JSON that real tools print here (kubectl client-side, terraform, ip, lsblk, findmnt, lscpu, jq), CSV
and TSV files shipped on this machine, and database output: sqlite3 in its modes and PostgreSQL's psql
against a throwaway cluster, both on real data (this machine's package list, cJSON's commit history)."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from .base import (
    ASKED,
    COUNT,
    ERROR,
    IDENT,
    NAME,
    SITE,
    VALUE,
    VERSION,
    Case,
    N,
    checkout,
    first_match,
    need,
    sh,
    write_files,
)

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def tool_json(tmp: Path) -> list[Case]:
    cases = []
    kube = {"KUBECONFIG": "/dev/null"}
    if need("kubectl"):
        out = sh("kubectl create deployment web --image=nginx:1.27 --replicas=3 --port=8080 --dry-run=client -o json", env=kube)
        cases.append(Case("json_kubectl_deployment", out.text, "kubectl create deployment web --image=nginx:1.27 --replicas=3 --port=8080 --dry-run=client -o json",
                          kind="json", program="kubectl", family="data", exit_code=out.rc,
                          asked="Which image and replica count will the web deployment get?",
                          needles=[N('"image": "nginx:1.27"', VALUE, {"jsonpath": "$.spec.template.spec.containers[0]"}),
                                   N('"replicas": 3', VALUE, {"jsonpath": "$.spec"})]))
        for name, fmt in (("json_kubectl_configmap", "json"), ("yaml_kubectl_configmap", "yaml")):
            command = f"kubectl create configmap summarize --from-file=src/ctxlean/summarize --dry-run=client -o {fmt}"
            out = sh(command, Path(__file__).resolve().parents[3], env=kube)
            cases.append(Case(name, out.text, command, kind="json" if fmt == "json" else "text", program="kubectl",
                              family="data", exit_code=out.rc, source="kubectl over this project's summarize/ package",
                              asked="Does the configmap carry registry.py, and under which key?",
                              needles=[N('"registry.py"' if fmt == "json" else "registry.py: |", NAME,
                                         {"grep": "registry.py"}),
                                       N('"kind": "ConfigMap"' if fmt == "json" else "kind: ConfigMap", NAME,
                                         {"grep": "ConfigMap"})]))
        out = sh("kubectl get pods -o json", env=kube)
        cases.append(Case("kubectl_no_cluster", out.text, "kubectl get pods -o json", kind="text", program="kubectl",
                          family="data", failing=True, exit_code=out.rc, asked="List the pods of the cluster.",
                          needles=[N(first_match(r"The connection to the server \S+ was refused.*$", out.text), ERROR)]))
    if need("terraform"):
        work = tmp / "tf"
        services = ", ".join(f'"svc-{i:03d}" = {{ port = {8000 + i}, replicas = {i % 3 + 1}, tier = "{("web", "api", "worker")[i % 3]}" }}'
                             for i in range(300))
        write_files(work, {"main.tf": f"locals {{\n  services = {{ {services} }}\n}}\n\noutput \"services\" {{\n  value = local.services\n}}\n"
                                      "output \"count\" {\n  value = length(local.services)\n}\n"})
        env = {"TF_IN_AUTOMATION": "1", "TF_CLI_CONFIG_FILE": str(work / "none.tfrc")}
        (work / "none.tfrc").write_text("")
        sh("terraform init -input=false -no-color && terraform plan -input=false -no-color -out=plan.bin", work, env=env)
        out = sh("terraform show -json plan.bin", work, env=env)
        cases.append(Case("json_terraform_plan", out.text, "terraform show -json plan.bin", kind="json", program="terraform",
                          family="data", exit_code=out.rc, source="terraform over a configuration written here",
                          asked="Which port does svc-150 get in the plan?",
                          needles=[N('8150', VALUE, {"jsonpath": "$.planned_values.outputs.services.value['svc-150']"}),
                                   N(first_match(r'"terraform_version":"([\d.]+)"', out.text, 1), VERSION, {"jsonpath": "$.terraform_version"})]))
        out = sh("terraform plan -input=false -no-color", work, env=env)
        cases.append(Case("terraform_plan", out.text, "terraform plan", kind="text", program="terraform", family="data",
                          exit_code=out.rc, source="terraform over a configuration written here",
                          asked="What will the plan output for svc-150?",
                          needles=[N(first_match(r'^\s+\+ svc-150 = \{$', out.text).strip(), ASKED),
                                   N(first_match(r"^Changes to Outputs:$", out.text), NAME)]))
    for name, command, asked, needle in (
            ("json_ip_addr", "ip -j -d addr", "Which addresses does the loopback interface have?", lambda d: N('"local":"127.0.0.1"', VALUE)),
            ("json_lsblk", "lsblk -J -O", "Which block devices are there, and how big?", lambda d: N(f'"name": "{d["blockdevices"][0]["name"]}"', NAME)),
            ("json_findmnt", "findmnt -J", "What is mounted on /proc?", lambda d: N('"target": "/proc"', VALUE)),
            ("json_lscpu", "lscpu -J", "How many CPUs does this machine have?", lambda d: N('"field": "CPU(s):"', NAME))):
        out = sh(command)
        if out.rc:
            continue
        cases.append(Case(name, out.text, command, kind="json", program=command.split()[0], family="data",
                          exit_code=out.rc, asked=asked, needles=[needle(json.loads(out.text))]))
    if need("jq"):
        src = Path(__file__).resolve().parents[1] / "corpus/json_pip_list.txt"
        if src.exists():
            out = sh(f"jq '[.[] | {{name, version}}]' {src}")
            cases.append(Case("json_jq_pip_list", out.text, "pip list --format json | jq '[.[] | {name, version}]'",
                              kind="json", program="jq", family="data", exit_code=out.rc,
                              asked="Just names and versions: which version of pydantic?",
                              needles=[N(first_match(r'"name": "pydantic",\n\s+"version": "[\d.]+"', out.text), VERSION)]))
    out = sh("docker ps --format json")
    cases.append(Case("docker_no_daemon", out.text, "docker ps --format json", kind="text", program="docker",
                      family="data", failing=True, exit_code=out.rc, asked="Which containers are running?",
                      needles=[N(first_match(r"Cannot connect to the Docker daemon.*$|error during connect.*$", out.text), ERROR)]))
    return cases


def tables(tmp: Path) -> list[Case]:
    """CSV and TSV files as shipped here: Debian's distro-info and tzdata, numpy's test data."""
    cases = []
    numpy = Path(sh("python3 -c 'import numpy, os; print(os.path.dirname(numpy.__file__))'").text.strip() or "/nonexistent")
    for path, asked_for, kind in (
            (Path("/usr/share/distro-info/debian.csv"), "bookworm", "table"),
            (Path("/usr/share/zoneinfo/zone1970.tab"), "Europe/Berlin", "table"),
            (Path("/usr/share/zoneinfo/iso3166.tab"), "DE", "table"),
            (numpy / "random/tests/data/pcg64-testset-1.csv", "seed", "table"),
            (numpy / "_core/tests/data/umath-validation-set-log2.csv", "np.float32", "table")):
        if not path.exists() or path.stat().st_size > 290_000:
            continue
        text = path.read_text()
        line = next(ln for ln in text.split("\n") if asked_for in ln)
        rows = text.split("\n")
        mid = rows[len(rows) // 2]
        cases.append(Case(f"table_{path.stem.replace('-', '_')}", text, tool="Read", tool_input={"file_path": str(path)},
                          kind=kind, program="Read", family="data", source=f"{path} as shipped here",
                          asked=f"Find the row for {asked_for}, and show me line {len(rows) // 2 + 1}.",
                          needles=[N(line[:100], ASKED), N(mid[:100], ASKED), N(rows[0][:60], NAME)]))
    return cases


def load_rows(tmp: Path) -> tuple[list[tuple], list[tuple], str]:
    """Real rows: this machine's installed packages, and cJSON's commit history."""
    packages = []
    for line in sh("dpkg-query -W -f='${Package}\\t${Version}\\t${Installed-Size}\\t${Section}\\n'").text.splitlines():
        name, version, size, section = (line.split("\t") + ["", "", ""])[:4]
        packages.append((name, version, int(size or 0), section or "unknown"))
    work = tmp / "cJSON"
    provenance = checkout("DaveGamble/cJSON", work, history=True) or ""
    commits = []
    if provenance:
        for line in sh("git log --format='%H\t%an\t%aI\t%s'", work).text.splitlines():
            sha, author, date, subject = line.split("\t", 3)
            commits.append((sha, author, date, subject))
    return packages, commits, provenance


def sqlite(tmp: Path) -> list[Case]:
    if not need("sqlite3"):
        return []
    packages, commits, provenance = load_rows(tmp)
    db = tmp / "work.db"
    csv_dir = tmp / "csv"
    csv_dir.mkdir()
    (csv_dir / "packages.tsv").write_text("".join("\t".join(map(str, row)) + "\n" for row in packages))
    (csv_dir / "commits.tsv").write_text("".join("\t".join(row).replace('"', "'") + "\n" for row in commits))
    sh(f"sqlite3 {db} 'CREATE TABLE packages(name TEXT PRIMARY KEY, version TEXT, size_kb INTEGER, section TEXT);' "
       f"'CREATE TABLE commits(sha TEXT PRIMARY KEY, author TEXT, committed_at TEXT, subject TEXT);' "
       f"'.mode tabs' '.import {csv_dir}/packages.tsv packages' '.import {csv_dir}/commits.tsv commits'")
    source = f"sqlite3 over this machine's dpkg package list and {provenance or 'no'} commit history"
    cases = []
    common = dict(program="sqlite3", family="database", source=source)
    for name, mode, sql, kind, asked, needles in (
            ("sqlite_box_packages", "-box", "SELECT name, version, size_kb, section FROM packages ORDER BY size_kb DESC LIMIT 400",
             "table", "Which installed packages are biggest? Is libclang-cpp14 among them, and how big?",
             lambda t: [N(first_match(r"^│ libclang-cpp14 .*$", t), ASKED), N("size_kb", NAME)]),
            ("sqlite_json_sections", "-json", "SELECT section, count(*) AS n, sum(size_kb) AS kb FROM packages GROUP BY section ORDER BY kb DESC",
             "json", "Which Debian sections take the most space?",
             lambda t: [N(first_match(r'\{"section":"\w+","n":\d+,"kb":\d+\}', t), VALUE)]),
            ("sqlite_csv_packages", "-csv -header", "SELECT * FROM packages ORDER BY name",
             "table", "Export the package table; which version of zlib1g is there?",
             lambda t: [N(first_match(r"^zlib1g,[^,]+", t), VERSION), N("name,version,size_kb,section", NAME)]),
            ("sqlite_line_commit", "-line", "SELECT * FROM commits WHERE subject LIKE '%overflow%' OR subject LIKE '%fix%' LIMIT 150",
             "text", "Show the fix commits one field per line; which one mentions an overflow?",
             lambda t: [N(first_match(r"^\s*subject = .*overflow.*$", t).strip(), ASKED)]),
            ("sqlite_explain", "", "EXPLAIN QUERY PLAN SELECT c.author, count(*) FROM commits c JOIN packages p ON p.name = c.author GROUP BY c.author",
             "text", "Does this join use an index?", lambda t: [N(first_match(r"(SCAN|SEARCH) \w+.*$", t), VALUE)]),
            ("sqlite_error", "", "SELECT autor, count(*) FROM commits GROUP BY autor",
             "text", "Count commits per author.", lambda t: [N(first_match(r"no such column: autor", t), ERROR)])):
        out = sh(f'sqlite3 {mode} {db} "{sql}"')
        cases.append(Case(name, out.text, f'sqlite3 {mode} work.db "{sql}"'.replace("  ", " "), kind=kind,
                          failing=out.rc != 0, exit_code=out.rc, asked=asked, needles=needles(out.text), **common))
    sql = "SELECT sha, author, committed_at, subject FROM commits ORDER BY committed_at LIMIT 500"
    out = sh(f'sqlite3 -column -header {db} "{sql}"')
    row = out.text.split("\n")[len(out.text.split("\n")) // 2]
    sha, _, date = row.split()[:3]
    subject = row.split(date, 1)[1].strip()
    cases.append(Case("sqlite_column_commits", out.text, f'sqlite3 -column -header work.db "{sql}"', kind="table",
                      exit_code=out.rc, asked=f"When was \"{subject[:50]}\" committed, and what is its hash?",
                      needles=[N(sha, IDENT), N(date, VALUE)], **common))
    out = sh(f"sqlite3 {db} .schema")
    cases.append(Case("sqlite_schema", out.text + sh(f"sqlite3 {db} '.dump commits'").text[:200_000],
                      "sqlite3 work.db .schema; sqlite3 work.db '.dump commits' | head -c 200000", kind="text",
                      exit_code=out.rc, asked="What is the schema, and what does the commits data look like?",
                      needles=[N("CREATE TABLE packages(name TEXT PRIMARY KEY, version TEXT, size_kb INTEGER, section TEXT);", NAME)],
                      **common))
    return cases


def postgres(tmp: Path) -> list[Case]:
    """A throwaway PostgreSQL 15 cluster in tmp, owned by the postgres user, on a unix socket only."""
    if not (PG_BIN / "initdb").exists() or not need("psql", "runuser"):
        return []
    data, sock = tmp / "pgdata", tmp / "sock"
    for d in (data, sock):
        d.mkdir()
        shutil.chown(d, "postgres", "postgres")
    shutil.chown(tmp, "postgres", "postgres")
    pg = f"runuser -u postgres -- {PG_BIN}"
    sh(f"{pg}/initdb -D {data} -A trust -U postgres --no-locale -E UTF8")
    log = tmp / "server.log"
    opts = (f"-c listen_addresses='' -c unix_socket_directories={sock} -c log_statement=all "
            "-c log_min_duration_statement=0 -c log_line_prefix='%m [%p] %q%u@%d '")
    sh(f"{pg}/pg_ctl -D {data} -l {log} -o \"{opts}\" -w start")
    try:
        return _postgres_cases(tmp, sock, log)
    finally:
        sh(f"{pg}/pg_ctl -D {data} -m fast -w stop")


def _postgres_cases(tmp: Path, sock: Path, log: Path) -> list[Case]:
    packages, commits, provenance = load_rows(tmp / "rows")
    psql = f"psql -h {sock} -U postgres -X -v ON_ERROR_STOP=0"
    load = tmp / "load.sql"
    rows = ["CREATE TABLE packages(name text PRIMARY KEY, version text, size_kb integer, section text);",
            "CREATE TABLE commits(sha char(40) PRIMARY KEY, author text, committed_at timestamptz, subject text);",
            "CREATE INDEX commits_author ON commits(author);", "COPY packages FROM STDIN;"]
    rows += ["\t".join(map(str, r)) for r in packages] + ["\\.", "COPY commits FROM STDIN;"]
    rows += ["\t".join(c.replace("\\", "\\\\") for c in r) for r in commits] + ["\\.", "ANALYZE;"]
    load.write_text("\n".join(rows) + "\n")
    sh(f"{psql} -q -f {load}")
    sh(f"runuser -u postgres -- {PG_BIN}/pgbench -h {sock} -U postgres -i -s 2 postgres")
    source = f"psql against a throwaway PostgreSQL 15 cluster: this machine's dpkg packages, {provenance} history"
    common = dict(program="psql", family="database", source=source)
    mid = commits[len(commits) // 2]
    cases = []
    for name, sql, kind, failing, asked, needles in (
            ("psql_commits_table", "SELECT sha, author, committed_at, subject FROM commits ORDER BY committed_at", "table", False,
             f"Find the commit \"{mid[3][:50]}\": when and by whom?", lambda t: [N(mid[0], IDENT), N(first_match(r"^\(\d+ rows\)$", t), COUNT)]),
            ("psql_sections", "SELECT section, count(*) AS n, pg_size_pretty(sum(size_kb) * 1024) AS size FROM packages GROUP BY section ORDER BY sum(size_kb) DESC", "table", False,
             "How much space do the devel packages take?", lambda t: [N(first_match(r"^ devel\s+\|.*$", t), ASKED)]),
            ("psql_describe", "\\d+ commits", "text", False, "What columns and indexes does commits have?",
             lambda t: [N('"commits_author" btree (author)', NAME), N("committed_at", NAME)]),
            ("psql_explain_analyze", "EXPLAIN ANALYZE SELECT author, count(*) FROM commits WHERE committed_at > '2020-01-01' GROUP BY author ORDER BY 2 DESC", "text", False,
             "Is the per-author count fast? Show me the plan and timing.", lambda t: [N(first_match(r"Execution Time: [\d.]+ ms", t), VALUE)]),
            ("psql_missing_relation", "SELECT * FROM commit WHERE author = 'Max Bruckner'", "text", True,
             "Show Max Bruckner's commits.", lambda t: [N('ERROR:  relation "commit" does not exist', ERROR)]),
            ("psql_unique_violation", f"INSERT INTO commits VALUES ('{mid[0]}', 'x', now(), 'dup')", "text", True,
             "Insert the backfilled commit.", lambda t: [N('duplicate key value violates unique constraint "commits_pkey"', ERROR),
                                                         N(f"Key (sha)=({mid[0]}) already exists.", IDENT)]),
            ("psql_csv_packages", "COPY (SELECT * FROM packages ORDER BY name) TO STDOUT WITH CSV HEADER", "table", False,
             "Export the packages as CSV; which version of libpq5?", lambda t: [N(first_match(r"^libpq5:amd64,[^,]+|^libpq5,[^,]+", t), VERSION)]),
            ("psql_expanded", "\\x on\nSELECT * FROM commits ORDER BY committed_at DESC LIMIT 300", "text", False,
             "Show the newest 300 commits record by record; which is the newest?",
             lambda t: [N(first_match(r"^sha\s+\| [0-9a-f]{40}$", t), IDENT)])):
        script = tmp / f"{name}.sql"
        script.write_text(sql + "\n")
        out = sh(f"{psql} -f {script}")
        shown = "psql -c " + json.dumps(sql) if "\n" not in sql else f"psql <<'SQL'\n{sql}\nSQL"
        cases.append(Case(name, out.text, shown, kind=kind, failing=failing, exit_code=out.rc, asked=asked,
                          needles=needles(out.text), **common))
    out = sh(f"runuser -u postgres -- {PG_BIN}/pgbench -h {sock} -U postgres -c 2 -t 60 -P 1 postgres")
    cases.append(Case("pgbench_run", out.text, "pgbench -c 2 -t 60 -P 1", kind="text",
                      program="pgbench", family="database", exit_code=out.rc, source="pgbench against the throwaway cluster",
                      asked="What throughput did pgbench get, and how many transactions failed?",
                      needles=[N(first_match(r"^tps = [\d.]+ \(without initial connection time\)$", out.text), VALUE),
                               N(first_match(r"^number of failed transactions: \d+ .*$", out.text), COUNT)]))
    time.sleep(0.5)
    text = log.read_text(errors="replace")
    cases.append(Case("postgres_server_log", text, tool="Read", tool_input={"file_path": "/var/log/postgresql/postgresql-15-main.log"},
                      kind="log", program="postgres", family="log", failing=True,
                      source="the throwaway cluster's server log (log_statement=all)",
                      asked="Which statements failed in the database log, and why?",
                      needles=[N(first_match(r'ERROR:  relation "commit" does not exist.*$', text), ERROR),
                               N(first_match(r"ERROR:  duplicate key value violates unique constraint \"commits_pkey\"", text), ERROR)]))
    return cases


def shipped_json(tmp: Path) -> list[Case]:
    """JSON documents installed packages ship: their SBOMs, a jsonschema benchmark document."""
    cases = []
    for path in sorted(SITE.glob("*.dist-info/sboms/*.json"))[:3]:
        text = path.read_text()
        data = json.loads(text)
        name = data.get("metadata", {}).get("component", {}).get("name", "")
        needles = [N("CycloneDX", NAME, {"jsonpath": "$.bomFormat"})]
        if data.get("components"):
            needles.append(N(data["components"][0]["name"], NAME, {"jsonpath": "$.components[0].name"}))
        if name:
            needles.append(N(name, NAME, {"jsonpath": "$.metadata.component.name"}))
        cases.append(Case(f"json_sbom_{path.stem.split('.')[0]}", text, tool="Read", tool_input={"file_path": str(path)},
                          kind="json", program="Read", family="data", asked="Which components does this package's SBOM list?",
                          needles=needles, source=f"Read {path}"))
    issue = SITE / "jsonschema/benchmarks/issue232/issue.json"
    if issue.exists():
        out = sh(f"cat {issue}")
        cases.append(Case("json_jsonschema_issue232", out.text, f"cat {issue}", kind="json", program="cat", family="data",
                          asked="What does the issue 232 schema declare at its top?", exit_code=out.rc,
                          needles=[N("$schema", NAME, {"jsonpath": "$"})]))
    return cases


BUILDERS = {"shipped-json": shipped_json, "tool-json": tool_json, "tables": tables, "sqlite": sqlite, "postgres": postgres}
