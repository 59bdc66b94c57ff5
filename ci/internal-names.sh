#!/bin/sh
# ci/internal-names.sh - the names libleakgate shows a program that links it
# (issue 14 item 5; the rule and its reason: harness/README.md "Names").
#
# Public: lg_ and declared in include/leakgate/. Internal: everything else
# the library links with external linkage (functions and tables used across
# its files) is lg__<module>_<name>, libuv's uv_/uv__ split. A static
# library puts every such symbol into the user's program, so an internal
# name must neither look public (lg_) nor take a short name a program may
# use itself (sc_, ct_, live_, session_run).
#
#   ci/internal-names.sh check LIB
#       List every global symbol of LIB (libleakgate.a) that breaks the rule;
#       exit 1 if there is one (ctest lint.symbols), 0 otherwise.
#   ci/internal-names.sh rename
#       First rewrite every name ci/internal-names.map records as renamed
#       (a branch written before a rename builds again after its rebase);
#       then build (ci/build.sh), map every breaking symbol to its internal
#       name, rewrite the tracked sources, docs and scripts that name it
#       (whole words; tests/data is input data and is left alone), record
#       the pairs in ci/internal-names.map, clang-format the changed lines,
#       build again and check. Re-runnable: after a rebase it renames what
#       others added meanwhile; a second run finds nothing. Refuses (exit 1,
#       nothing written) when a new name is taken already.
#   ci/internal-names.sh map
#       Print the old -> new map rename would apply (a dry run).
#
# The new name: lg_X -> lg__X (a "__" in X becomes "_": lg_service__check ->
# lg__service_check); lgl_X (load) -> lg__load_X; any other P_X -> lg__P_X
# (sc_fields -> lg__sc_fields, session_run -> lg__session_run).
# Environment: CC (default cc) preprocesses the public headers; LG_BUILD_DIR
# as for ci/build.sh.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)

# Generated code keeps its generator's names: protobuf-c's, from
# profile.proto's package perftools.profiles. The sanitizers' own globals
# (ASan's ODR indicators "__odr_asan.NAME", one per global of ours, in the
# -DLG_SANITIZE=ON build that ci/test-sanitize.sh tests) are the compiler's.
ALLOW='^perftools__profiles__|^__odr_asan[.]|^__(asan|ubsan|sancov)_'
# Every rename applied so far, "old new" per line (rename adds to it).
MAP_FILE=ci/internal-names.map

usage() {
  sed -n '12,25s/^# \{0,1\}//p' "$0" >&2
  exit 2
}

# Identifiers the public headers declare: preprocessed, so comments and
# macro bodies do not count as declarations.
public_names() {
  for h in "$root"/include/leakgate/*.h; do
    printf '#include <leakgate/%s>\n' "${h##*/}"
  done | ${CC:-cc} -E -P -D_GNU_SOURCE -I"$root/include" -x c - |
    grep -oE '\blg_[A-Za-z0-9_]+' | sort -u
}

# Global symbols LIB defines that break the rule, one per line. A missing
# tool or an empty answer is an error, never "nothing breaks the rule".
offenders() {
  pub=$(mktemp)
  syms=$(mktemp)
  public_names >"$pub"
  nm -g --defined-only "$1" | awk 'NF == 3 {print $3}' | sort -u >"$syms"
  if [ ! -s "$pub" ] || [ ! -s "$syms" ]; then
    echo "internal-names: no public declarations or no symbols read" \
      "(cc -E of include/leakgate, nm of $1)" >&2
    rm -f "$pub" "$syms"
    exit 2
  fi
  grep -v '^lg__' "$syms" | grep -vE "$ALLOW" | grep -vxFf "$pub" || true
  rm -f "$pub" "$syms"
}

lib_path() {
  echo "$root/${LG_BUILD_DIR:-build}/libleakgate.a"
}

# old new, one pair per line, for the offenders of the current tree's build.
make_map() {
  (cd "$root" && ci/build.sh)
  offenders "$(lib_path)" | perl -ne '
    chomp; my $o = $_; my $n;
    if ($o =~ /^lg_(.*)$/) { ($n = $1) =~ s/__/_/g; $n = "lg__$n"; }
    elsif ($o =~ /^lgl_(.*)$/) { $n = "lg__load_$1"; }
    else { $n = "lg__$o"; }
    print "$o $n\n";'
}

# The tracked files that may name a symbol: sources, headers, docs, scripts
# and build files; not tests/data (inputs and expected outputs), not this
# script or its map (they name old names on purpose).
files() {
  (cd "$root" && git ls-files -- '*.c' '*.h' '*.md' '*.sh' '*.txt' '*.cmake' \
    '*.py' '*.yml' 'CMakeLists.txt' '**/CMakeLists.txt' |
    grep -v -e '^tests/data/' -e '^ci/internal-names\.' | sort -u)
}

for tool in nm perl "${CC:-cc}"; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "internal-names: $tool not found" >&2
    exit 2
  }
done

# Rewrite the files (in root) by the "old new" pairs of $1, whole words.
apply_map() {
  files | LG_MAP=$1 xargs perl -pi -e '
    BEGIN {
      open(my $m, "<", $ENV{LG_MAP}) or die "$ENV{LG_MAP}: $!";
      while (<$m>) { chomp; my ($o, $n) = split / /; $map{$o} = $n if $n; }
      my $alt = join "|", map { quotemeta } sort { length $b <=> length $a } keys %map;
      $re = qr/\b($alt)\b/;
      # names made by token pasting (lg_##sec##_fields) follow their rows
      $paste = grep { /^lg_\w+_(fields|records)$/ } keys %map;
    }
    s/$re/$map{$1}/g if %map;
    s/\blg_##(\w+)##_(fields|records)\b/lg__##$1##_$2/g if $paste;'
}

case "${1:-}" in
check)
  [ $# -eq 2 ] || usage
  [ -f "$2" ] || { echo "internal-names: $2: no such library" >&2; exit 2; }
  bad=$(offenders "$2")
  if [ -n "$bad" ]; then
    n=$(printf '%s\n' "$bad" | wc -l)
    printf '%s\n' "$bad" | sed 's/^/  /' >&2
    echo "internal-names: $n global symbol(s) of $2 break the rule: public" \
      "is lg_ and declared in include/leakgate/, internal is lg__<module>_" \
      "(harness/README.md \"Names\"; ci/internal-names.sh rename renames" \
      "them)" >&2
    exit 1
  fi
  echo "internal-names: every global symbol of ${2##*/} is public (lg_," \
    "declared) or internal (lg__)"
  ;;
map)
  make_map
  ;;
rename)
  map=$(mktemp)
  trap 'rm -f "$map" "$map.new" "$map.words" "$map.all"' EXIT
  cd "$root"
  if [ -s "$MAP_FILE" ]; then
    apply_map "$MAP_FILE" # names renamed before this tree was written
  fi
  make_map >"$map"
  if [ -s "$map" ]; then
    # A new name that is already a word of the tree, or that two old
    # names share, would merge two things.
    cut -d' ' -f2 "$map" | sort >"$map.new"
    files | xargs cat | grep -oE '\blg__[A-Za-z0-9_]+' | sort -u \
      >"$map.words" || true
    taken=$( (uniq -d "$map.new"; comm -12 "$map.new" "$map.words") | sort -u)
    if [ -n "$taken" ]; then
      echo "internal-names: new names already in use, nothing renamed:" >&2
      echo "$taken" | sed 's/^/  /' >&2
      exit 1
    fi
    echo "internal-names: renaming $(wc -l <"$map") symbols"
    apply_map "$map"
    cat "$MAP_FILE" "$map" 2>/dev/null | sort -u >"$map.all"
    cp "$map.all" "$MAP_FILE"
    git add -- "$MAP_FILE"
  elif git diff --quiet -- $(files); then
    echo "internal-names: nothing to rename"
    exit 0
  fi
  # Longer names overflow lines: format the lines the rename changed.
  git add -u -- $(files)
  git clang-format -q >/dev/null 2>&1 || true
  git add -u -- $(files)
  ci/build.sh
  "$0" check "$(lib_path)"
  ;;
*)
  usage
  ;;
esac
