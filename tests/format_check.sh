#!/bin/sh
# Checks that every C++ source of Vigil (*.h, *.cc) is formatted as the repository's
# .clang-format says: clang-format --dry-run --Werror, which changes nothing and fails on the
# first difference it reports. ctest runs it as format_check (label "format").
#
#   tests/format_check.sh          check (exit 0 when all are formatted, 1 otherwise)
#   tests/format_check.sh --fix    format the same files in place
#   tests/format_check.sh --list   print the files it checks
#
# The files: those git tracks plus new untracked ones (not ignored, so no build directory),
# or, outside a git checkout, a find that skips build*/, var/, node_modules/ and .git/.
# The fuzz seed corpora (tests/fuzz/corpus) are inputs, not sources, and are never checked.
# clang-format comes from the Debian package clang-format (`make test` installs it).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

mode=check
case "${1:-}" in
  "") ;;
  --fix) mode=fix ;;
  --list) mode=list ;;
  *) echo "usage: $0 [--fix | --list]" >&2; exit 2 ;;
esac

CLANG_FORMAT=${CLANG_FORMAT:-clang-format}
if [ "$mode" != list ] && ! command -v "$CLANG_FORMAT" >/dev/null 2>&1; then
  echo "format_check: $CLANG_FORMAT not found; install the Debian package clang-format" >&2
  exit 1
fi

list_files() {
  if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files --cached --others --exclude-standard -- '*.h' '*.cc'
  else
    find . \( -name .git -o -name 'build*' -o -name var -o -name node_modules \) -prune \
      -o -type f \( -name '*.h' -o -name '*.cc' \) -print | sed 's|^\./||'
  fi | grep -v '^tests/fuzz/corpus/' | sort -u | while read -r f; do
    [ -f "$f" ] && printf '%s\n' "$f"  # git lists tracked files deleted in the work tree
  done
}

files=$(list_files)
if [ -z "$files" ]; then
  echo "format_check: no sources found under $root" >&2
  exit 1
fi

case "$mode" in
  list) printf '%s\n' "$files" ;;
  fix) printf '%s\n' "$files" | xargs "$CLANG_FORMAT" -i --style=file ;;
  check)
    # One file at a time, so the report names every file that differs, then shows what
    # clang-format would change in the first of them (the full list would be thousands of lines).
    bad=""
    count=0
    for f in $files; do
      count=$((count + 1))
      "$CLANG_FORMAT" --dry-run --Werror --style=file "$f" >/dev/null 2>&1 || bad="$bad $f"
    done
    if [ -z "$bad" ]; then
      echo "format_check: all $count files are formatted as .clang-format says ($("$CLANG_FORMAT" --version))"
      exit 0
    fi
    n=0
    for f in $bad; do n=$((n + 1)); echo "not formatted: $f"; done
    first=${bad# }
    first=${first%% *}
    echo "--- what clang-format would change in $first (first lines):"
    "$CLANG_FORMAT" --dry-run --style=file "$first" 2>&1 | head -n 30
    echo "format_check: $n of $count files differ from .clang-format; tests/format_check.sh --fix formats them" >&2
    exit 1
    ;;
esac
