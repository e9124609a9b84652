#!/bin/sh
# manpages.sh VIGIL OUTDIR VERSION: one man page per command of VIGIL, made from its --help.
#   vigil.1.gz                 vigil --help
#   vigil-<cmd>.1.gz           vigil <cmd> --help, for every command vigil --help lists
#   vigil-<cmd>-<sub>.1.gz     vigil <cmd> <sub> --help, for every subcommand those list
# The commands are read from the help itself (CLI11's "Subcommands:" section), so a new command
# gets its page without a change here. The help text goes in verbatim (.nf), so the page says
# exactly what --help says. Compressed with gzip -9n (Debian policy: no name, no time stamp).
set -eu
VIGIL=$1
OUT=$2
VERSION=$3
DATE=$(date -u -d "@${SOURCE_DATE_EPOCH:-$(date +%s)}" +%Y-%m-%d)
mkdir -p "$OUT"
rm -f "$OUT"/*.1.gz
# Run as plain `vigil` (from PATH), so the help's "Usage:" line does not show the build path.
bindir=$(mktemp -d)
trap 'rm -rf "$bindir"' EXIT
ln -s "$(readlink -f "$VIGIL")" "$bindir/vigil"
PATH="$bindir:$PATH"
VIGIL=vigil

# The names listed under "Subcommands:" in help text on stdin.
subcommands() {
  awk '/^Subcommands:/ {on=1; next} on && /^[^ ]/ {on=0} on && /^  [a-z]/ {print $1}'
}

# page NAME SUMMARY ARGS...: the page of `vigil ARGS... --help`.
page() {
  name=$1
  summary=$2
  shift 2
  help=$("$VIGIL" "$@" --help)
  {
    printf '.TH %s 1 "%s" "vigil %s" "Vigil manual"\n' "$(echo "$name" | tr '[:lower:]' '[:upper:]')" "$DATE" "$VERSION"
    printf '.SH NAME\n%s \\- %s\n' "$name" "$(printf '%s' "$summary" | sed 's/\\/\\e/g; s/-/\\-/g')"
    printf '.SH SYNOPSIS\n.B vigil%s\n[\\fIOPTIONS\\fR]\n' "$(for a in "$@"; do printf ' %s' "$a"; done)"
    printf '.SH DESCRIPTION\nThe text of\n.B vigil%s \\-\\-help\\fR:\n.PP\n.nf\n' "$(for a in "$@"; do printf ' %s' "$a"; done)"
    # Verbatim: backslashes escaped, and a line starting with . or ' must not become a request.
    printf '%s\n' "$help" | sed 's/\\/\\e/g; s/^\([.'"'"']\)/\\\&\1/'
    printf '.fi\n.SH "EXIT STATUS"\n0 ok, 1 integrity failure or rejected records, 2 usage or I/O error.\n'
    printf '.SH "SEE ALSO"\n.BR vigil (1),\n/usr/share/doc/vigil/operator.md\n'
  } | gzip -9n > "$OUT/$name.1.gz"
}

top=$("$VIGIL" --help)
page vigil "a tamper-evident ledger for controlled precursor chemicals and sensitive businesses"
for cmd in $(printf '%s\n' "$top" | subcommands); do
  summary=$(printf '%s\n' "$top" | awk -v c="$cmd" '/^Subcommands:/ {on=1; next} on && $1 == c {$1=""; sub(/^ +/, ""); print; exit}')
  page "vigil-$cmd" "${summary:-the $cmd command}" "$cmd"
  sub_help=$("$VIGIL" "$cmd" --help)
  for sub in $(printf '%s\n' "$sub_help" | subcommands); do
    s=$(printf '%s\n' "$sub_help" | awk -v c="$sub" '/^Subcommands:/ {on=1; next} on && $1 == c {$1=""; sub(/^ +/, ""); print; exit}')
    page "vigil-$cmd-$sub" "${s:-the $cmd $sub command}" "$cmd" "$sub"
  done
done
