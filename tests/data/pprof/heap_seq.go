// heap_seq.go - the program behind go_seq.N.pb.gz (regen.sh): a service
// that leaks through leakyCache (64 KiB per step, kept) while churnBuffer
// allocates and drops, writing a heap profile after each of 10 steps with
// Go's default sampling (MemProfileRate 512 KiB), 20 ms apart: the
// sequence `leakgate analyze go_seq.*.pb.gz` reads.
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"time"
)

var kept [][]byte
var sink []byte

//go:noinline
func leakyCache() {
	for i := 0; i < 16; i++ {
		kept = append(kept, make([]byte, 4096))
	}
}

//go:noinline
func churnBuffer() {
	for i := 0; i < 64; i++ {
		sink = make([]byte, 8192)
	}
}

func main() {
	for step := 0; step < 10; step++ {
		for i := 0; i < 100; i++ {
			leakyCache()
			churnBuffer()
		}
		runtime.GC()
		f, err := os.Create(fmt.Sprintf("%s.%d.pb.gz", os.Args[1], step))
		if err != nil {
			panic(err)
		}
		if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
			panic(err)
		}
		f.Close()
		time.Sleep(20 * time.Millisecond)
	}
	runtime.KeepAlive(kept)
}
