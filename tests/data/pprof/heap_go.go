// heap_go.go - the program behind go_heap.pb.gz (regen.sh): a Go heap
// profile as net/http/pprof serves it (runtime/pprof's heap profile, the
// same encoder), with every allocation sampled (MemProfileRate = 1) so its
// numbers are exact: leakyAlloc keeps 1000 blocks of 4096 bytes.
package main

import (
	"os"
	"runtime"
	"runtime/pprof"
)

var kept [][]byte

//go:noinline
func leakyAlloc(n int) []byte {
	return make([]byte, n)
}

func main() {
	runtime.MemProfileRate = 1
	for i := 0; i < 1000; i++ {
		kept = append(kept, leakyAlloc(4096))
	}
	runtime.GC() // the heap profile reports the state at the last GC
	f, err := os.Create(os.Args[1])
	if err != nil {
		panic(err)
	}
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		panic(err)
	}
	f.Close()
	runtime.KeepAlive(kept)
}
