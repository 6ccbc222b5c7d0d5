//go:build !unix

package engine_test

import "time"

// processCPU is not measured here: the benchmarks leave the CPU figure out.
func processCPU() time.Duration { return 0 }
