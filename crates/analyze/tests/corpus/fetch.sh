#!/usr/bin/env bash
# Re-downloads the corpus's published handler files from GitHub at the commits SOURCES.tsv
# names (case, owner/repo, commit, path in the repository, path in the case), and checks they
# are what the corpus holds. Needs network access to raw.githubusercontent.com, which CI does
# not have and does not need: the files are committed. Usage: bash fetch.sh [--check]
set -euo pipefail
cd "$(dirname "$0")"
mode="${1:-}"
differ=0
for language in js py; do
  while IFS=$'\t' read -r case repo commit path dest; do
    [ -z "$case" ] && continue
    url="https://raw.githubusercontent.com/$repo/$commit/$path"
    target="$language/$case/$dest"
    tmp="$(mktemp)"
    curl -fsSL "$url" -o "$tmp"
    if [ "$mode" = "--check" ]; then
      cmp -s "$tmp" "$target" || { echo "differs: $target ($url)"; differ=1; }
      rm -f "$tmp"
    else
      mkdir -p "$(dirname "$target")" && mv "$tmp" "$target"
    fi
  done < "$language/SOURCES.tsv"
done
exit "$differ"
