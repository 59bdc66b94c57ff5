# tests/e2e/engine_lib.sh - helpers for the docker/podman end-to-end tests
# (test_docker.sh, test_podman.sh, test_docker_inside.sh), sourced after
# lib.sh.
#
# engine_init ENGINE: the engine must run a container here; else the test
#   skips (exit 77) - or fails where LG_REQUIRE_ENGINES=1 (CI, .ci/run),
#   after ci/engines.sh start had its chance to make it work.
# make_image TAG FILE...: an image with no registry: a rootfs holding each
#   FILE as /fx/<basename> plus the libraries `ldd` names for it, imported
#   with `ENGINE import`; removed at exit, with every container of this
#   script's scenarios (named leakgate-*-<scenario name>).
# engine_containers NAME: this script's containers of scenario NAME, any
#   state (label leakgate=1).
# cgroup_of_pid PID: the memory cgroup directory of PID (v1 memory
#   hierarchy, else v2), for checking that none is left behind.
ENGINE=
IMAGES=
trap 'engine_cleanup; rm -rf "$WORK"' EXIT

engine_unavailable() {
  if [ "${LG_REQUIRE_ENGINES:-}" = 1 ]; then
    echo "FAIL: $* (LG_REQUIRE_ENGINES=1: the engine must work here; see ci/engines.sh)" >&2
    exit 1
  fi
  echo "SKIP: $* (ci/engines.sh start sets the engines up)" >&2
  exit 77
}

engine_init() {
  ENGINE=$1
  command -v "$ENGINE" >/dev/null 2>&1 || engine_unavailable "$ENGINE is not installed"
  case $ENGINE in
  docker)
    docker version --format '{{.Server.Version}}' >"$WORK/engine.out" 2>&1 ||
      engine_unavailable "the docker daemon does not answer: $(tail -1 "$WORK/engine.out")"
    ;;
  podman)
    podman info --format '{{.Host.CgroupsVersion}}' >"$WORK/engine.out" 2>&1 ||
      engine_unavailable "podman info fails: $(tail -1 "$WORK/engine.out")"
    ;;
  esac
  echo "engine: $ENGINE $(head -1 "$WORK/engine.out") ($(command -v "$ENGINE"))"
}

make_image() {
  tag=$1
  shift
  root="$WORK/rootfs-$(echo "$tag" | tr -c 'A-Za-z0-9\n' _)"
  mkdir -p "$root/fx" "$root/tmp"
  for f in "$@"; do
    cp -L "$f" "$root/fx/"
    for lib in $(ldd "$f" 2>/dev/null | awk '/=> \// {print $3} /^[ \t]*\// {print $1}'); do
      mkdir -p "$root$(dirname "$lib")"
      cp -L "$lib" "$root$lib"
    done
  done
  tar -C "$root" -cf "$root.tar" .
  # The engine answered engine_init: an import that fails now is a failure
  # of this test, not an engine missing here (no skip).
  if ! "$ENGINE" import "$root.tar" "$tag" >"$WORK/import.out" 2>&1; then
    cat "$WORK/import.out" >&2
    echo "FAIL: $ENGINE import of the fixture image failed" >&2
    exit 1
  fi
  IMAGES="$IMAGES $tag"
}

engine_containers() {
  "$ENGINE" ps -a --filter label=leakgate=1 --format '{{.Names}}' 2>/dev/null |
    grep -- "-$1\$" || true
}

engine_cleanup() {
  [ -n "$ENGINE" ] || return 0
  for name in $(sed -n 's/^name: *//p' "$WORK"/*.yaml 2>/dev/null | sort -u); do
    for c in $(engine_containers "$name"); do
      echo "cleanup: removing leftover container $c" >&2
      "$ENGINE" rm -f "$c" >/dev/null 2>&1 || true
    done
  done
  for img in $IMAGES; do
    "$ENGINE" rmi -f "$img" >/dev/null 2>&1 || true
  done
}

cgroup_of_pid() {
  v1=$(awk '$(NF-2) == "cgroup" && $NF ~ /(^|,)memory(,|$)/ { print $5; exit }' /proc/self/mountinfo)
  v2=$(awk '$(NF-2) == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
  p1=$(sed -n 's/^[0-9]*:[^:]*memory[^:]*:\(.*\)$/\1/p' "/proc/$1/cgroup" 2>/dev/null | head -1)
  p2=$(sed -n 's/^0::\(.*\)$/\1/p' "/proc/$1/cgroup" 2>/dev/null | head -1)
  if [ -n "$v1" ] && [ -n "$p1" ]; then
    echo "$v1$p1"
  elif [ -n "$v2" ] && [ -n "$p2" ]; then
    echo "$v2$p2"
  fi
}

# wait_container NAME SECONDS: poll until a container of scenario NAME runs;
# prints its name.
wait_container() {
  i=0
  while [ "$i" -lt $(($2 * 10)) ]; do
    c=$("$ENGINE" ps --filter label=leakgate=1 --format '{{.Names}}' 2>/dev/null | grep -- "-$1\$" | head -1) || true
    [ -n "$c" ] && { echo "$c"; return 0; }
    sleep 0.1
    i=$((i + 1))
  done
  return 1
}
