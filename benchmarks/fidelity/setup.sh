#!/usr/bin/env bash
# The tools build_corpus.py runs, installed the ordinary way: Debian's packages and npm (into .tools/,
# which git ignores). The corpus itself is committed: only rebuilding it needs this.
#
# Public repositories the builders work on (scratch copies with a real bug put in, so tests fail): fetch
# them with the search tool's fetch (github:OWNER/NAME) into /work/.mirror, or point CTXLEAN_MIRRORS at a
# directory of OWNER+NAME/repo git directories:
#   more-itertools/more-itertools DaveGamble/cJSON spf13/pflag pillarjs/path-to-regexp jshttp/http-errors
#   dtolnay/semver
set -euo pipefail
cd "$(dirname "$0")"
if [ "$(id -u)" = 0 ]; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q golang-go clang clang-tidy ripgrep shellcheck cmake \
    ninja-build sqlite3 valgrind strace gdb jq maven default-jdk-headless
fi
mkdir -p .tools
cd .tools
[ -f package.json ] || echo '{"name": "ctxlean-corpus-tools", "private": true}' > package.json
npm install --no-audit --no-fund jest@29 vitest@3 mocha@10 typescript@5 eslint@9 @eslint/js@9 globals@15
