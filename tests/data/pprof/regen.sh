#!/bin/sh
# tests/data/pprof/regen.sh - remake the pprof samples from real tools:
#   go_heap.pb.gz   Go 1.19 runtime/pprof heap profile of heap_go.go
#   go_seq.N.pb.gz  ten heap profiles of heap_seq.go (a leak, a churn)
# Usage: tests/data/pprof/regen.sh (needs golang-go).
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp heap_go.go "$tmp/main.go"
(cd "$tmp" && GO111MODULE=off GOCACHE="$tmp/cache" go build -o heap_go main.go)
"$tmp/heap_go" go_heap.pb.gz
cp heap_seq.go "$tmp/seq.go"
(cd "$tmp" && GO111MODULE=off GOCACHE="$tmp/cache" go build -o heap_seq seq.go)
"$tmp/heap_seq" go_seq
