// Package cputime reads the CPU time the process has used, for the benchmarks' CPU per
// decision: on a shared machine it is disturbed less than the clock.
package cputime
