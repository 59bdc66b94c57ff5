#!/bin/sh
# The CMake package and module, the three ways a project gets it, each from
# an empty build dir (issue 16 item 4):
#  1. installed: `cmake --install` leakgate into a temp prefix, then build
#     ci/cmake/example against it with find_package(LeakGate) and run `make
#     leakcheck`: the clean service passes the build, the same service built
#     to leak 64 B/request fails it;
#  2. build tree: the example with -DLeakGate_DIR=<leakgate's build dir>,
#     no install: the leaky build fails `make leakcheck`, run by the build
#     tree's own command;
#  3. vendored: add_subdirectory(leakgate) + include(LeakGate) in a project
#     whose leakgate/ holds a stale build/leakgate that would pass
#     everything: the in-tree leakgate_cli target is built and runs, and
#     the leaky build fails.
# Also: the installed leakgate.pc compiles a program against libleakgate,
# and include(LeakGate) from the source tree works without an install.
. "$(dirname "$0")/lib.sh"

PREFIX="$WORK/prefix"
# A sanitizer build installs an instrumented libleakgate: its users link
# with the same runtime.
SAN=""
grep -q "^LG_SANITIZE:BOOL=ON" "$BIN/CMakeCache.txt" && SAN="-fsanitize=address,undefined"
cmake --install "$BIN" --prefix "$PREFIX" >"$WORK/install.log" 2>&1 ||
  { cat "$WORK/install.log" >&2; fail "cmake --install"; finish; }
for f in bin/leakgate include/leakgate/leakgate.h include/leakgate/container.h; do
  [ -e "$PREFIX/$f" ] || fail "not installed: $f"
done
lib=$(find "$PREFIX" -name libleakgate.a | head -1)
[ -n "$lib" ] || fail "libleakgate.a not installed"
pc=$(find "$PREFIX" -name leakgate.pc | head -1)
cfg=$(find "$PREFIX" -name LeakGateConfig.cmake | head -1)
[ -n "$pc" ] && [ -n "$cfg" ] || fail "leakgate.pc or LeakGateConfig.cmake not installed"
[ -f "$(dirname "$cfg")/LeakGate.cmake" ] || fail "LeakGate.cmake not installed"

# pkg-config: a program using the public API builds and runs.
cat >"$WORK/pc.c" <<'C'
#include <leakgate/leakgate.h>
#include <stdio.h>
int main(void) {
  lg_error e;
  lg_error_clear(&e);
  printf("%s %d\n", lg_version(), lg_error_exit_code(LG_EINPUT));
  return 0;
}
C
# shellcheck disable=SC2046
cc -Wall -Werror $SAN -o "$WORK/pc" "$WORK/pc.c" \
  $(PKG_CONFIG_PATH="$(dirname "$pc")" pkg-config --cflags --libs leakgate) ||
  fail "compile against leakgate.pc"
[ "$("$WORK/pc")" = "$("$BIN/leakgate" --version | cut -d' ' -f2) 2" ] ||
  fail "the pkg-config program prints '$("$WORK/pc")'"

# example DIR TAG CMAKE_ARGS...: configure and build ci/cmake/example into
# DIR from empty (logs TAG-cfg.log, TAG-build.log); its show_version runs.
example() {
  dir=$1 tag=$2
  shift 2
  cmake -S "$SRC/ci/cmake/example" -B "$dir" "$@" \
    -DCMAKE_C_FLAGS="-Wall -Wextra -Werror $SAN" -DCMAKE_EXE_LINKER_FLAGS="$SAN" \
    >"$WORK/$tag-cfg.log" 2>&1 ||
    { cat "$WORK/$tag-cfg.log" >&2; fail "$tag: configure the example"; finish; }
  cmake --build "$dir" >"$WORK/$tag-build.log" 2>&1 ||
    { cat "$WORK/$tag-build.log" >&2; fail "$tag: build the example"; }
  "$dir/show_version" | grep -q "^libleakgate " || fail "$tag: show_version (LeakGate::leakgate)"
}

# find_package(LeakGate) + leakgate_add_scenario: the clean service passes.
EX="$WORK/example"
example "$EX" installed -DCMAKE_PREFIX_PATH="$PREFIX"
set +e
cmake --build "$EX" --target leakcheck >"$WORK/leakcheck.log" 2>&1
code=$?
set -e
[ "$code" -eq 0 ] || { tail -30 "$WORK/leakcheck.log" >&2; fail "clean example: leakcheck exited $code"; }
r="$EX/leakgate-out/kv/result.json"
expect_eq "$(jget "$r" "d['verdict']")" pass "clean example verdict"
case "$(jget "$r" "d['service']['stdout_log'] or ''")" in
"$EX"/*) ;;
*) fail "stdout_log outside the build dir" ;;
esac
grep -q "kvservice: listening" "$EX/leakgate-out/kv/service.stderr.log" ||
  fail "the built kvservice did not run (service.command[0] not replaced?)"
[ -f "$EX/leakgate-out/kv/junit.xml" ] || fail "no junit.xml"

# The same service leaking 64 B/request: `make leakcheck` fails the build.
cmake "$EX" -DKV_LEAK=64 >/dev/null 2>&1 || fail "reconfigure KV_LEAK=64"
set +e
make -C "$EX" leakcheck >"$WORK/leakcheck2.log" 2>&1
code=$?
set -e
[ "$code" -ne 0 ] || fail "leaky example: make leakcheck passed"
expect_eq "$(jget "$r" "d['verdict']")" fail "leaky example verdict"
expect_eq "$(jget "$r" "d['analysis']['leak']")" leak "leaky example analysis.leak"
grep -q "leakcheck_kv" "$WORK/leakcheck2.log" || fail "no leakcheck_kv target ran"

# include(LeakGate) from the source tree (no install), with PROFILE and ARGS.
mkdir -p "$WORK/inc"
cat >"$WORK/inc/CMakeLists.txt" <<CM
cmake_minimum_required(VERSION 3.16)
project(inc C)
list(APPEND CMAKE_MODULE_PATH "$SRC/ci/cmake")
set(LEAKGATE_EXECUTABLE "$BIN/leakgate")
include(LeakGate)
add_executable(kvservice "$SRC/ci/cmake/example/kvservice.c")
leakgate_add_scenario(quick "$SRC/ci/cmake/example/kv.yaml" DEPENDS kvservice
                      PROFILE quick ARGS --set "analysis.on_inconclusive=pass")
CM
# a profile added through --set is not possible: give kv.yaml's copy one
sed 's/^profiles:/profiles:\n  quick: {duration_scale: 0.5, tolerance: 8B}/' \
  "$SRC/ci/cmake/example/kv.yaml" >"$WORK/inc/kv.yaml"
sed -i "s|$SRC/ci/cmake/example/kv.yaml|$WORK/inc/kv.yaml|" "$WORK/inc/CMakeLists.txt"
cmake -S "$WORK/inc" -B "$WORK/inc/b" >"$WORK/inc.log" 2>&1 ||
  { cat "$WORK/inc.log" >&2; fail "configure with include(LeakGate)"; finish; }
set +e
cmake --build "$WORK/inc/b" --target leakcheck_quick >"$WORK/inc-run.log" 2>&1
code=$?
set -e
[ "$code" -eq 0 ] || { tail -20 "$WORK/inc-run.log" >&2; fail "include(LeakGate) leakcheck_quick exited $code"; }
r="$WORK/inc/b/leakgate-out/quick/result.json"
expect_eq "$(jget "$r" "d['analysis']['tolerance_bytes_per_request']")" 8 "PROFILE quick tolerance"
expect_range "$(jget "$r" "d['load']['duration_s']")" 1.5 2.9 "PROFILE quick halves the 4 s of phases"
# 2. The build tree, no install: -DLeakGate_DIR=<leakgate build dir>.
BT="$WORK/buildtree"
example "$BT" buildtree -DLeakGate_DIR="$BIN" -DKV_LEAK=64
set +e
make -C "$BT" VERBOSE=1 leakcheck >"$WORK/bt-leakcheck.log" 2>&1
code=$?
set -e
[ "$code" -ne 0 ] || fail "build tree: the leaky example passed make leakcheck"
expect_eq "$(jget "$BT/leakgate-out/kv/result.json" "d['verdict']")" fail "build tree: leaky verdict"
grep -q "$BIN/leakgate run " "$WORK/bt-leakcheck.log" || fail "build tree: not the build tree's leakgate that ran"

# 3. Vendored: add_subdirectory(leakgate) + include(LeakGate). leakgate/ is
# the source tree (linked entry by entry) plus a stale build/leakgate that
# passes everything and leaves a mark: it must never be the one that runs.
VEND="$WORK/vendored"
mkdir -p "$VEND/leakgate/build"
for e in "$SRC"/*; do
  case ${e##*/} in build*) continue ;; esac
  ln -s "$e" "$VEND/leakgate/${e##*/}"
done
printf '#!/bin/sh\ntouch "%s/STALE-LEAKGATE-RAN"\nexit 0\n' "$VEND" >"$VEND/leakgate/build/leakgate"
chmod +x "$VEND/leakgate/build/leakgate"
cp "$SRC/ci/cmake/example/kvservice.c" "$SRC/ci/cmake/example/show_version.c" \
  "$SRC/ci/cmake/example/kv.yaml" "$VEND/"
cat >"$VEND/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.16)
project(vendored C)
add_subdirectory(leakgate)
include(LeakGate)
add_executable(kvservice kvservice.c)
target_compile_definitions(kvservice PRIVATE KV_LEAK=64)
add_executable(show_version show_version.c)
target_link_libraries(show_version PRIVATE LeakGate::leakgate)
leakgate_add_scenario(kv kv.yaml DEPENDS kvservice)
CM
# No build type: the parent's choice (none: no optimisation, the quickest
# build of leakgate's sources).
cmake -S "$VEND" -B "$VEND/b" >"$WORK/vend-cfg.log" 2>&1 ||
  { cat "$WORK/vend-cfg.log" >&2; fail "configure the vendored project"; finish; }
[ ! -e "$VEND/b/leakgate/tests" ] || fail "vendored: leakgate's tests were configured"
set +e
cmake --build "$VEND/b" -j2 --target leakcheck >"$WORK/vend-leakcheck.log" 2>&1
code=$?
set -e
[ "$code" -ne 0 ] || fail "vendored: the leaky service passed make leakcheck"
[ ! -e "$VEND/STALE-LEAKGATE-RAN" ] || fail "vendored: the stale leakgate/build/leakgate ran"
[ -x "$VEND/b/leakgate/leakgate" ] || fail "vendored: the in-tree leakgate_cli was not built"
r="$VEND/b/leakgate-out/kv/result.json"
[ -f "$r" ] || { tail -30 "$WORK/vend-leakcheck.log" >&2; fail "vendored: no result.json"; finish; }
expect_eq "$(jget "$r" "d['verdict']")" fail "vendored: leaky verdict"
expect_eq "$(jget "$r" "d['analysis']['leak']")" leak "vendored: analysis.leak"
cmake --build "$VEND/b" --target show_version >/dev/null 2>&1 || fail "vendored: show_version (LeakGate::leakgate)"
"$VEND/b/show_version" | grep -q "^libleakgate " || fail "vendored: show_version output"
no_leftovers
finish
