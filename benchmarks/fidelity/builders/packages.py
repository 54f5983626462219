# Commands, needle patterns and asked texts are kept whole on one line each, as the tools print them.
# ruff: noqa: E501
"""Package managers: pip (install logs, a resolution conflict, inspect/list/show), npm (a big verbose install
whose package names hold "error", a peer-dependency conflict, a missing version, ls/view/audit), cargo and
go metadata, and dpkg/apt listings. npm and pip talk to their registries, as they do in real work."""

from __future__ import annotations

import json
from pathlib import Path

from .base import (
    ASKED,
    COUNT,
    ERROR,
    LOCATION,
    NAME,
    PATH,
    PY,
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
from .js_tests import TOOLS


def pip(tmp: Path) -> list[Case]:
    cases = []
    venv = tmp / "venv"
    sh(f"{PY} -m venv {venv}")
    vpip = f"{venv}/bin/pip"
    work = tmp / "more-itertools"
    provenance = checkout("more-itertools/more-itertools", work)
    if provenance is not None:
        out = sh(f"{vpip} install -v --no-deps {work}")
        cases.append(Case("pip_install_verbose_local", out.text, "pip install -v --no-deps ./more-itertools",
                          kind="text", program="pip", family="package-manager", exit_code=out.rc, source=provenance,
                          asked="Install my checkout of more-itertools into the venv; which version got installed?",
                          needles=[N(first_match(r"^Successfully installed more-itertools-[\d.]+$", out.text), VERSION),
                                   N(first_match(r"Created wheel for more-itertools: .+$", out.text)[:60], PATH)]))
    # a real conflict: mypy pins its typing-extensions floor above this version
    out = sh(f"{vpip} install --dry-run 'mypy==1.11.2' 'typing-extensions==4.1.0'")
    cases.append(Case("pip_resolution_conflict", out.text, "pip install --dry-run 'mypy==1.11.2' 'typing-extensions==4.1.0'",
                      kind="text", program="pip", family="package-manager", failing=True, exit_code=out.rc,
                      asked="Can I pin typing-extensions 4.1.0 next to mypy 1.11.2? Which requirement conflicts?",
                      needles=[N("ERROR: ResolutionImpossible", ERROR),
                               N(first_match(r"mypy 1\.11\.2 depends on typing-extensions>=[\d.]+", out.text), VERSION),
                               N(first_match(r"^ERROR: Cannot install .+$", out.text), ERROR)]))
    out = sh(f"{vpip} install 'ruff==0.0.1'")
    cases.append(Case("pip_no_matching_version", out.text, "pip install 'ruff==0.0.1'", kind="text", program="pip",
                      family="package-manager", failing=True, exit_code=out.rc,
                      asked="Install the old ruff 0.0.1 the lock file names; which versions exist?",
                      needles=[N("ERROR: No matching distribution found for ruff==0.0.1", ERROR),
                               N(first_match(r"from versions: [\d.]+", out.text), VERSION)]))
    out = sh(f"{vpip} install -v 'six==1.16.0'")
    cases.append(Case("pip_install_verbose_registry", out.text, "pip install -v six==1.16.0", kind="text", program="pip",
                      family="package-manager", exit_code=out.rc, asked="Install six 1.16.0; where did pip get it from?",
                      needles=[N("Successfully installed six-1.16.0", VERSION),
                               N(first_match(r"six-1\.16\.0-py2\.py3-none-any\.whl", out.text), PATH)]))
    here = f"{PY} -m pip"
    for name, args, kind, asked, needles in (
            ("pip_list", "list", "text", "Which version of hypothesis is installed?",
             lambda t: [N(first_match(r"^hypothesis\s+[\d.]+$", t), VERSION), N("Package", NAME)]),
            ("pip_freeze", "freeze", "text", "What exact pydantic version is in the venv?",
             lambda t: [N(first_match(r"^pydantic==[\d.]+$", t), VERSION)]),
            ("pip_show_files", "show -f mypy", "text", "Where does mypy keep its typeshed stubs?",
             lambda t: [N("Name: mypy", NAME), N(first_match(r"^\s+mypy/typeshed/stdlib/VERSIONS$", t).strip(), PATH)]),
            ("json_pip_list", "list --format json", "json", "Versions of every installed package, as JSON.",
             lambda t: [N(json.loads(t)[0]["name"], NAME, {"jsonpath": "$[0].name"}),
                        N(json.loads(t)[0]["version"], VERSION, {"jsonpath": "$[0]"})])):
        out = sh(f"{here} {args}")
        text = out.text
        cases.append(Case(name, text, f"pip {args}", kind=kind, program="pip", family="package-manager",
                          exit_code=out.rc, asked=asked, needles=needles(text)))
    out = sh(f"{vpip} inspect")
    data = json.loads(out.text)
    cases.append(Case("json_pip_inspect", out.text, f"{venv}/bin/pip inspect", kind="json", program="pip",
                      family="package-manager", exit_code=out.rc, asked="What is installed in the scratch venv, and from where?",
                      needles=[N(data["environment"]["python_full_version"], VERSION, {"jsonpath": "$.environment"}),
                               N(data["installed"][0]["metadata"]["name"], NAME, {"jsonpath": "$.installed[0].metadata.name"})]))
    out = sh(f"{here} check")
    cases.append(Case("pip_check", out.text, "pip check", kind="text", program="pip", family="package-manager",
                      failing=out.rc != 0, exit_code=out.rc, asked="Are the venv's requirements consistent?",
                      needles=[N(out.text.strip().splitlines()[0][:60], ERROR if out.rc else COUNT)]))
    return cases


def npm(tmp: Path) -> list[Case]:
    if not need("npm"):
        return []
    cases = []
    app = tmp / "webapp"
    package = {"name": "webapp", "version": "1.0.0", "private": True,
               "dependencies": {"express": "^4.21.0", "pretty-error": "^4.0.0", "get-intrinsic": "^1.2.4"},
               "devDependencies": {"eslint": "^8.57.0", "eslint-config-standard": "^17.1.0",
                                   "eslint-plugin-import": "^2.31.0", "eslint-plugin-n": "^16.6.2",
                                   "eslint-plugin-promise": "^6.6.0"}}
    write_files(app, {"package.json": json.dumps(package, indent=2) + "\n"})
    out = sh("npm install --loglevel silly --no-fund", app, env={"npm_config_cache": str(tmp / "cache-silly")})
    cases.append(Case("npm_install_silly", out.text, "npm install --loglevel silly", kind="log", program="npm",
                      family="package-manager", exit_code=out.rc,
                      asked="Install the web app; which es-errors version did npm place, and for whom?",
                      needles=[N(first_match(r"^npm silly placeDep ROOT es-errors@[\d.]+ OK for: .+$", out.text), ASKED),
                               N(first_match(r"^added \d+ packages.*$", out.text), COUNT),
                               N(first_match(r"^npm silly placeDep ROOT http-errors@[\d.]+", out.text), VERSION)]))
    # the app's own postinstall check fails after the whole install ran: one line at the end matters
    write_files(app, {"scripts/check-env.js": "if (!['production', 'development'].includes(process.env.APP_ENV)) {\n"
                      "  console.error('Error: APP_ENV must be set to production or development');\n  process.exit(3);\n}\n",
                      "package.json": json.dumps({**package, "scripts": {"postinstall": "node scripts/check-env.js"}}, indent=2) + "\n"})
    sh("rm -rf node_modules package-lock.json", app)
    out = sh("npm install --loglevel silly --no-fund --foreground-scripts", app, env={"npm_config_cache": str(tmp / "cache-post")})
    cases.append(Case("npm_install_postinstall_fails", out.text, "npm install --loglevel silly --foreground-scripts",
                      kind="log", program="npm", family="package-manager", failing=True, exit_code=out.rc,
                      asked="npm install fails for the web app; what exactly fails?",
                      needles=[N("Error: APP_ENV must be set to production or development", ERROR),
                               N("npm error command sh -c node scripts/check-env.js", ERROR),
                               N(first_match(r"^npm error code \d+$", out.text), ERROR)]))
    write_files(app, {"package.json": json.dumps(package, indent=2) + "\n"})
    sh("rm -rf node_modules package-lock.json", app)
    asked = "Install the web app's dependencies; tell me if anything went wrong."
    out = sh("npm install --loglevel verbose --no-fund", app, env={"npm_config_cache": str(tmp / "cache")})
    summary = first_match(r"^added \d+ packages.*$", out.text)
    cases.append(Case("npm_install_verbose", out.text, "npm install --loglevel verbose", kind="log", program="npm",
                      family="package-manager", exit_code=out.rc, asked=asked,
                      needles=[N(summary, COUNT), N(first_match(r"^npm http fetch GET 200 \S+/es-errors .*$", out.text), ASKED)]))
    logs = sorted((tmp / "cache" / "_logs").glob("*-debug-0.log"))
    package["devDependencies"]["eslint"] = "^9.0.0"  # eslint-config-standard 17 wants eslint ^8: a real ERESOLVE
    write_files(app, {"package.json": json.dumps(package, indent=2) + "\n"})
    sh("rm -rf node_modules package-lock.json", app)
    out = sh("npm install --loglevel verbose --no-fund", app, env={"npm_config_cache": str(tmp / "cache")})
    cases.append(Case("npm_install_eresolve_verbose", out.text, "npm install --loglevel verbose", kind="log",
                      program="npm", family="package-manager", failing=True, exit_code=out.rc,
                      asked="I bumped eslint to 9; install again and tell me what blocks it.",
                      needles=[N("npm error code ERESOLVE", ERROR),
                               N(first_match(r"^npm error Found: eslint@[\d.]+$", out.text), VERSION),
                               N(first_match(r"^npm error peer eslint@\"[^\"]+\" from eslint-config-standard@[\d.]+$", out.text), VERSION),
                               N(first_match(r"^npm error A complete log of this run can be found in: .+$", out.text), PATH)]))
    new_logs = sorted(set((tmp / "cache" / "_logs").glob("*-debug-0.log")) - set(logs))
    if new_logs:
        text = new_logs[-1].read_text()
        cases.append(Case("npm_debug_log_read", text, tool="Read", tool_input={"file_path": str(new_logs[-1])},
                          kind="log", program="npm", family="package-manager", failing=True,
                          asked="Open npm's debug log of the failed install: what exactly conflicts?",
                          source="Read of the debug log npm wrote for the ERESOLVE install",
                          needles=[N(first_match(r"^\d+ error code ERESOLVE$", text), ERROR),
                                   N(first_match(r"^\d+ error Found: eslint@[\d.]+$", text), VERSION),
                                   N(first_match(r"^\d+ error peer eslint@\"[^\"]+\" from eslint-config-standard@[\d.]+$", text), VERSION)]))
    package["devDependencies"]["eslint"] = "^8.57.0"
    write_files(app, {"package.json": json.dumps(package, indent=2) + "\n"})
    out = sh("npm install --no-fund statuses@9.9.9", app, env={"npm_config_cache": str(tmp / "cache")})
    cases.append(Case("npm_install_notarget", out.text, "npm install statuses@9.9.9", kind="text", program="npm",
                      family="package-manager", failing=True, exit_code=out.rc, asked="Add statuses 9.9.9 to the app.",
                      needles=[N("npm error code ETARGET", ERROR),
                               N("npm error notarget No matching version found for statuses@9.9.9.", ERROR)]))
    for name, command, kind, asked, needles in (
            ("npm_ls_all", "npm ls --all", "text", "Which version of es-errors does the tools tree use, and who pulls it in?",
             lambda t: [N(first_match(r"es-errors@[\d.]+", t), VERSION)]),
            ("json_npm_ls", "npm ls --all --json", "json", "The dependency tree of the tools, as JSON: which vitest?",
             lambda t: [N(json.loads(t)["dependencies"]["vitest"]["version"], VERSION, {"jsonpath": "$.dependencies.vitest.version"})]),
            ("json_npm_view_express", "npm view express --json", "json", "Which express versions exist, and what is latest?",
             lambda t: [N(json.loads(t)["dist-tags"]["latest"], VERSION, {"jsonpath": "$['dist-tags']"}),
                        N("4.21.2", VERSION, {"jsonpath": "$.versions"})]),
            ("npm_view_jest", "npm view jest@29", "text", "What does jest 29 depend on?",
             lambda t: [N(first_match(r"^jest@29\.\d+\.\d+", t), VERSION), N(first_match(r"^\.tarball: .+$", t), PATH)])):
        out = sh(command, TOOLS.parent)
        cases.append(Case(name, out.text, command, kind=kind, program="npm", family="package-manager",
                          exit_code=out.rc, asked=asked, needles=needles(out.text)))
    work = tmp / "http-errors"
    provenance = checkout("jshttp/http-errors", work)
    if provenance is not None:
        sh("npm install --no-audit --no-fund --ignore-scripts", work)
        out = sh("npm audit", work)  # the registry here answers the bulk advisory endpoint with 405
        cases.append(Case("npm_audit_unavailable", out.text, "npm audit", kind="text", program="npm",
                          family="package-manager", failing=True, exit_code=out.rc, source=provenance,
                          asked="Does http-errors' dev tree have known vulnerabilities?",
                          needles=[N("npm error audit endpoint returned an error", ERROR),
                                   N(first_match(r"405 Method Not Allowed - POST \S+", out.text), ERROR)]))
    return cases


def cargo_go_metadata(tmp: Path) -> list[Case]:
    cases = []
    if need("cargo"):
        work = tmp / "semver"
        provenance = checkout("dtolnay/semver", work)
        if provenance is not None:
            text = (work / "Cargo.toml").read_text()
            text = text[:text.index("[features]")] + '[features]\ndefault = ["std"]\nstd = []\n\n' + \
                text[text.index("[package.metadata.docs.rs]"):]
            (work / "Cargo.toml").write_text(text)
            env = {"CARGO_TARGET_DIR": str(tmp / "target"), "CARGO_TERM_COLOR": "never"}
            out = sh("cargo metadata --offline --format-version 1", work, env=env)
            data = json.loads(out.text)
            cases.append(Case("json_cargo_metadata_semver", out.text, "cargo metadata --format-version 1", kind="json",
                              program="cargo", family="package-manager", exit_code=out.rc,
                              source=provenance + " (without serde and the criterion bench)",
                              asked="What is semver's package version and its targets' source paths?",
                              needles=[N(data["packages"][0]["version"], VERSION, {"jsonpath": "$.packages[0].version"}),
                                       N(data["packages"][0]["targets"][0]["src_path"], PATH, {"jsonpath": "$.packages[0].targets[0]"})]))
            out = sh("cargo build -vv --offline", work, env=env)
            cases.append(Case("cargo_build_vv_semver", out.text, "cargo build -vv", kind="text", program="cargo",
                              family="build", exit_code=out.rc, source=provenance,
                              asked="Which rustc flags does the semver build script set?",
                              needles=[N(first_match(r"cargo:rustc-check-cfg=[^\s]+", out.text), VALUE),
                                       N(first_match(r"^\s+Finished `dev` profile.*$", out.text).strip(), COUNT)]))
    if need("go"):
        work = tmp / "pflag"
        provenance = checkout("spf13/pflag", work)
        if provenance is not None:
            env = {"GOFLAGS": "-mod=mod", "GOPROXY": "off", "GOCACHE": str(tmp / "gocache"), "GOPATH": str(tmp / "gopath")}
            out = sh("go list -json ./...", work, env=env)
            cases.append(Case("json_go_list_pflag", out.text, "go list -json ./...", kind="json", program="go",
                              family="package-manager", exit_code=out.rc, source=provenance,
                              asked="Which files make up the pflag package, and what does it import?",
                              needles=[N('"ImportPath": "github.com/spf13/pflag"', NAME), N('"string_slice.go"', PATH)]))
            out = sh("go env -json", work, env=env)
            cases.append(Case("json_go_env", out.text, "go env -json", kind="json", program="go", family="package-manager",
                              exit_code=out.rc, asked="Where is GOROOT, and which GOPROXY is set?",
                              needles=[N(first_match(r'"GOROOT": "[^"]+"', out.text), PATH),
                                       N('"GOPROXY": "off"', VALUE)]))
    return cases


def debian(tmp: Path) -> list[Case]:
    if not need("dpkg", "apt-cache"):
        return []
    cases = []
    out = sh("dpkg -l")
    cases.append(Case("dpkg_list", out.text, "dpkg -l", kind="text", program="dpkg", family="package-manager",
                      exit_code=out.rc, asked="Which libssl version is installed?",
                      needles=[N("Desired=Unknown", NAME), N(first_match(r"^ii  libssl3:amd64\s+\S+", out.text), VERSION)]))
    out = sh("apt-cache policy clang golang-go postgresql-15")
    cases.append(Case("apt_cache_policy", out.text, "apt-cache policy clang golang-go postgresql-15", kind="text",
                      program="apt-cache", family="package-manager", exit_code=out.rc,
                      asked="Which clang version is installed and which is the candidate?",
                      needles=[N(first_match(r"^  Installed: .+$", out.text).strip(), VERSION)]))
    out = sh("dpkg -L libpython3.11-stdlib 2>/dev/null || dpkg -L perl-modules-5.36")
    cases.append(Case("dpkg_files", out.text, "dpkg -L libpython3.11-stdlib", kind="listing", program="dpkg",
                      family="package-manager", exit_code=out.rc, asked="Where does the Debian package put json/decoder.py?",
                      needles=[N(first_match(r"^/usr/lib/python3\.11/json/decoder\.py$", out.text), PATH)]
                      if "json/decoder.py" in out.text else [N(out.text.splitlines()[-1], PATH)]))
    return cases


LEDGER_EXT = {
    "pyproject.toml": """
        [build-system]
        requires = ["setuptools"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "fastledger"
        version = "0.3.1"
        """,
    "setup.py": """
        from setuptools import Extension, setup

        setup(ext_modules=[Extension("fastledger._sum", ["src/sum.c"], extra_compile_args=["-Wall", "-Wextra", "-Wconversion"])])
        """,
    "src/sum.c": """
        #define PY_SSIZE_T_CLEAN
        #include <Python.h>

        static PyObject *total(PyObject *self, PyObject *args) {
            PyObject *seq;
            int unused_flag;
            if (!PyArg_ParseTuple(args, "O", &seq)) return NULL;
            Py_ssize_t n = PySequence_Length(seq);
            long sum = 0;
            for (int i = 0; i < n; i++) {
                PyObject *item = PySequence_GetItem(seq, i);
                sum += PyLong_AsLong(item);
                Py_DECREF(item);
            }
            int cents = sum * 100;
            return PyLong_FromLong(cents);
        }

        static PyMethodDef methods[] = {{"total", total, METH_VARARGS, "Sum a sequence of ints."}, {NULL, NULL, 0, NULL}};
        static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_sum", NULL, -1, methods};
        PyMODINIT_FUNC PyInit__sum(void) { return PyModule_Create(&module); }
        """,
}


def pip_build(tmp: Path) -> list[Case]:
    """pip building a C extension written here: compiler warnings in a long verbose log; then an error."""
    if not need("gcc"):
        return []
    venv = tmp / "venv"
    sh(f"{PY} -m venv {venv} && {venv}/bin/pip install -q --upgrade setuptools wheel")
    project = tmp / "fastledger"
    write_files(project, LEDGER_EXT)
    cases = []
    command = "pip install -v --no-build-isolation ./fastledger"
    out = sh(f"{venv}/bin/pip install -v --no-build-isolation {project}")
    cases.append(Case("pip_build_ext_warnings", out.text, command, kind="text", program="pip", family="build",
                      exit_code=out.rc, asked="Build and install fastledger; does sum.c compile cleanly?",
                      needles=[N(first_match(r"src/sum\.c:\d+:\d+: warning: unused variable ‘unused_flag’.*$", out.text), ERROR),
                               N(first_match(r"src/sum\.c:\d+:\d+: warning: conversion from ‘long int’ to ‘int’.*$", out.text)[:90], ERROR),
                               N("Successfully installed fastledger-0.3.1", VERSION)]))
    (project / "src/sum.c").write_text((project / "src/sum.c").read_text().replace("sum += PyLong_AsLong(item);", "sum += PyLong_AsLong(itm);"))
    out = sh(f"{venv}/bin/pip install -v --no-build-isolation --force-reinstall --no-deps {project}")
    cases.append(Case("pip_build_ext_error", out.text, command.replace("-v", "-v --force-reinstall --no-deps"), kind="text",
                      program="pip", family="build", failing=True, exit_code=out.rc,
                      asked="Rebuild fastledger after my edit of sum.c; why does it fail?",
                      needles=[N(first_match(r"src/sum\.c:\d+:\d+: error: ‘itm’ undeclared.*$", out.text), ERROR),
                               N(first_match(r"src/sum\.c:\d+:\d+: error", out.text).rsplit(": ", 1)[0], LOCATION),
                               N(first_match(r"returned non-zero exit status 1\.$", out.text), ERROR),
                               N(first_match(r"^.*Failed to build.*$|^.*ERROR: Failed building wheel for fastledger.*$", out.text).strip(), ERROR)]))
    return cases


BUILDERS = {"pip": pip, "pip-build": pip_build, "npm": npm, "cargo-go-metadata": cargo_go_metadata, "debian": debian}
