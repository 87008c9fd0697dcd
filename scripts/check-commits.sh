#!/usr/bin/env bash
# Lints commit messages against the Conventional Commits rules in commitlint.config.mjs.
#
#   scripts/check-commits.sh            every commit, from the first one (the root commit included)
#   scripts/check-commits.sh <base>     the commits in <base>..HEAD (e.g. origin/main in a pull request)
#   BASE=<sha> scripts/check-commits.sh the same, for CI systems that pass the range in the environment
#
# In CI: pull requests lint BASE=<target branch>; pushes lint BASE=<sha before the push>. A base of all
# zeros (a new branch) or one that is not in the clone lints everything reachable instead; fetch the full
# history (fetch-depth: 0) so that "everything" means everything. Exits non-zero on the first bad range.
set -euo pipefail
cd "$(dirname "$0")/.."

commitlint=node_modules/.bin/commitlint
[ -x "$commitlint" ] || { echo "check-commits: run npm ci first (no $commitlint)" >&2; exit 2; }

base="${1:-${BASE:-}}"
if [[ "$base" =~ ^0+$ ]]; then base=""; fi
if [ -n "$base" ] && ! git rev-parse --verify --quiet "$base^{commit}" >/dev/null; then
  echo "check-commits: base $base is not in this clone; linting the whole history" >&2
  base=""
fi

if [ -n "$base" ]; then
  count=$(git rev-list --count "$base..HEAD")
  echo "check-commits: $count commit(s) in $base..HEAD"
  "$commitlint" --from "$base" --to HEAD
else
  root=$(git rev-list --max-parents=0 HEAD | tail -n 1)
  count=$(git rev-list --count HEAD)
  echo "check-commits: all $count commit(s) from $(git log -1 --format=%h "$root")"
  # --from is exclusive, so the root commit is linted on its own.
  git log -1 --format=%B "$root" | "$commitlint"
  "$commitlint" --from "$root" --to HEAD
fi
echo "check-commits: ok"
