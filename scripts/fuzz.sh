#!/usr/bin/env bash
# Runs every cargo-fuzz target for N seconds each (default 300), one at a
# time, then minimizes each target's corpus back into fuzz/corpus/<target>.
#
#   bash scripts/fuzz.sh            # 300 s per target
#   bash scripts/fuzz.sh 60 jwt     # 60 s, only the jwt target
#
# cargo-fuzz needs nightly-only `-Z` flags; on a stable toolchain they are
# allowed with RUSTC_BOOTSTRAP=1. Set FUZZ_SANITIZER=none to build without
# AddressSanitizer (faster; the crate itself has no unsafe code).
# A crash stops the script and leaves the input in fuzz/artifacts/<target>/;
# docs/fuzzing.md says what to do with it.
set -euo pipefail

secs="${1:-300}"
shift || true
cd "$(dirname "$0")/.."
root="$PWD"

all_targets=(detector_file config matcher jwt macaroon routable kubeconfig gitleaks_regex)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all_targets[@]}")

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz.sh: installing cargo-fuzz" >&2
    cargo install --locked cargo-fuzz
fi

export RUSTC_BOOTSTRAP=1
sanitizer="${FUZZ_SANITIZER:-address}"

max_len() {
    case "$1" in
        matcher) echo 65536 ;;
        detector_file | config | kubeconfig) echo 16384 ;;
        *) echo 4096 ;;
    esac
}

for t in "${targets[@]}"; do
    # The working corpus (fuzz/work/, ignored by git) grows while fuzzing;
    # it starts from the committed seeds.
    work="$root/fuzz/work/$t"
    mkdir -p "$work" "$root/fuzz/corpus/$t"
    cp -n "$root/fuzz/corpus/$t"/* "$work"/ 2>/dev/null || true
    echo "== $t: ${secs}s" >&2
    (cd fuzz && cargo fuzz run -a -s "$sanitizer" "$t" "$work" -- \
        -max_total_time="$secs" -max_len="$(max_len "$t")" \
        -timeout=10 -rss_limit_mb=2048 -print_final_stats=1)
    # `cargo fuzz cmin` minimizes the working corpus in place; the result
    # replaces the committed seeds.
    # Edge coverage only (-use_counters=0): every edge is kept, hit-count
    # variants are not, which keeps the committed seeds small.
    (cd fuzz && cargo fuzz cmin -a -s "$sanitizer" "$t" "$work" -- \
        -max_len="$(max_len "$t")" -use_counters=0)
    rm -rf "$root/fuzz/corpus/$t" && cp -r "$work" "$root/fuzz/corpus/$t"
    echo "== $t: $(ls "$root/fuzz/corpus/$t" | wc -l) seeds," \
        "$(cat "$root/fuzz/corpus/$t"/* | wc -c) bytes" >&2
done
