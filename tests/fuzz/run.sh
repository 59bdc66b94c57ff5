#!/bin/sh
# tests/fuzz/run.sh - build the libFuzzer targets with clang under
# ASan+UBSan and run each for a bounded time (issue 9: bad input).
#
# Usage: tests/fuzz/run.sh [-t SECONDS] [-r RUNS] [-b] [-s] [NAME...]
#   -t SECONDS  fuzzing time per target (default $FUZZ_SECONDS or 30); with
#               -r, only a ceiling
#   -r RUNS     reproducible mode (ctest): RUNS inputs from seed $FUZZ_SEED
#               (default 1) over the committed corpus alone, so a result
#               does not depend on the machine's speed or earlier runs
#   -b          build only, do not run
#   -s          smoke mode (ctest): exit 77 ("skipped") with the reason when
#               clang or its libFuzzer runtime is absent, instead of 2 -
#               but 1 under LG_CI=1 (.ci/run): ctest counts a skip as no
#               failure, and CI must not pass without fuzzing
#   NAME...     targets to build/run (default: every folder below)
#
# A target is a folder tests/fuzz/<name>/ holding
#   fuzz_<name>.c  defines LLVMFuzzerTestOneInput
#   corpus/        seed inputs of its own (read only; new inputs go to the
#                  build dir)
#   seeds          optional: globs of files under tests/data (one a line,
#                  relative to the repository root) also used as seeds, so
#                  test data is not copied into corpus/
#   modules        optional: the lg_ modules it links ("core scenario");
#                  default: the whole libleakgate
#   dict           optional: a libFuzzer dictionary
# so adding a target needs no edit here.
#
# The library is configured in $FUZZ_BUILD (default build-fuzz/) with clang,
# -DLG_SANITIZE=ON and -fsanitize=fuzzer-no-link. Findings are written to
# $FUZZ_BUILD/artifacts/<name>/; the script prints one line per target,
#   fuzz <name>: <execs> execs in <s> s, <n> crashes
# and exits 1 when any target crashed (or leaked), 2 on a setup problem
# (77 in smoke mode when the toolchain is missing).
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
build=${FUZZ_BUILD:-$root/build-fuzz}
seconds=${FUZZ_SECONDS:-30}
build_only=0
runs=""
missing=2
skipped=skipped
CC=${FUZZ_CC:-clang}

while getopts "t:r:bs" opt; do
  case $opt in
  t) seconds=$OPTARG ;;
  r) runs=$OPTARG ;;
  b) build_only=1 ;;
  s) if [ "${LG_CI:-}" = 1 ]; then missing=1 skipped="cannot run (LG_CI=1)"; else missing=77; fi ;;
  *) sed -n '2,18p' "$0" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))

if ! command -v "$CC" >/dev/null 2>&1; then
  echo "fuzz: $skipped: $CC not found (apt-get install clang)" >&2
  exit $missing
fi
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n);\nint LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' >"$probe/p.c"
if ! "$CC" -fsanitize=fuzzer "$probe/p.c" -o "$probe/p" 2>"$probe/err"; then
  echo "fuzz: $skipped: $CC cannot link libFuzzer (Debian: apt-get install libclang-rt-dev):" >&2
  cat "$probe/err" >&2
  exit $missing
fi

if [ $# -eq 0 ]; then
  set --
  for d in "$root"/tests/fuzz/*/; do
    n=$(basename "$d")
    [ -f "$d/fuzz_$n.c" ] && set -- "$@" "$n"
  done
fi

cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER="$CC" -DLG_SANITIZE=ON \
  -DLG_BUILD_TESTS=OFF -DLG_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link" >"$build.cmake.log" 2>&1 || {
  cat "$build.cmake.log" >&2; exit 2; }

deplibs="$(pkg-config --libs yaml-0.1 jansson expat libpcre2-8 libprotobuf-c zlib libdw) -lhttp_parser -lstdc++ -lpthread -lm"
status=0
for name in "$@"; do
  dir=$root/tests/fuzz/$name
  src=$dir/fuzz_$name.c
  [ -f "$src" ] || { echo "fuzz: no $src" >&2; exit 2; }
  objs=""
  if [ -f "$dir/modules" ]; then
    for m in $(cat "$dir/modules"); do
      cmake --build "$build" --target "lg_$m" -j2 >/dev/null
      objs="$objs $(find "$build/CMakeFiles/lg_$m.dir" -name '*.o' | sort | tr '\n' ' ')"
    done
  else
    cmake --build "$build" --target leakgate -j2 >/dev/null
    objs=$build/libleakgate.a
  fi
  bin=$build/fuzz_$name
  # shellcheck disable=SC2086
  "$CC" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -D_GNU_SOURCE -I"$root/include" -I"$root/harness" "$src" $objs $deplibs -o "$bin"
  [ "$build_only" = 1 ] && { echo "fuzz $name: built $bin"; continue; }

  work=$build/corpus/$name
  art=$build/artifacts/$name
  mkdir -p "$work" "$art"
  log=$build/fuzz_$name.log
  dict=""
  [ -f "$dir/dict" ] && dict="-dict=$dir/dict"
  repro=""
  if [ -n "$runs" ]; then
    # A fresh work corpus: inputs kept from earlier runs would change what
    # this seed explores.
    rm -rf "$work" && mkdir -p "$work"
    repro="-seed=${FUZZ_SEED:-1} -runs=$runs"
  fi
  # The seeds from tests/data, gathered fresh (libFuzzer reads folders):
  # each file once, named after its path.
  seeddir=$build/seeds/$name
  rm -rf "$seeddir" && mkdir -p "$seeddir"
  if [ -f "$dir/seeds" ]; then
    grep -v '^#' "$dir/seeds" | while read -r pattern; do
      [ -n "$pattern" ] || continue
      for f in $root/$pattern; do
        [ -f "$f" ] && cp "$f" "$seeddir/$(echo "${f#"$root"/}" | tr / _)"
      done
    done
  fi
  own=""
  [ -d "$dir/corpus" ] && own=$dir/corpus
  before=$(find "$art" -type f | wc -l)
  # shellcheck disable=SC2086
  "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix="$art/" $dict $repro \
    "$work" $own "$seeddir" >"$log" 2>&1 || true
  after=$(find "$art" -type f | wc -l)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  crashes=$((after - before))
  secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
  echo "fuzz $name: ${execs:-?} execs in ${secs:-$seconds} s${runs:+ (seed ${FUZZ_SEED:-1})}, $crashes crashes (log $log)"
  if [ -z "$execs" ]; then
    status=1 # the fuzzer never reached its final stats: it could not run
    echo "fuzz $name: no statistics in $log" >&2
    tail -5 "$log" >&2 || true
  fi
  if [ "$crashes" -gt 0 ]; then
    status=1
    grep -E "ERROR|SUMMARY|runtime error" "$log" | head -5 >&2 || true
  fi
done
exit $status
