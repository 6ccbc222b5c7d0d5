package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
)

func (r *results) print(w io.Writer) {
	fmt.Fprintf(w, "numgate-bench on %s, %s (took %s)\n\n", r.Machine, r.When.Format("2006-01-02 15:04 MST"), r.took.Round(1e9))
	if len(r.Engine) > 0 {
		r.printSpeed(w)
	}
	if len(r.Log) > 0 {
		fmt.Fprintln(w)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "decision log (interleaved rounds)\tclients\tmedian/s\tof log off\trounds/s\t")
		for _, l := range r.Log {
			fmt.Fprintf(tw, "%s\t%d\t%.0f\t%.0f%%\t%.0f\t\n", l.Store, l.Concurrency, l.Median, 100*l.OfOff, l.Rounds)
		}
		tw.Flush()
	}
	for _, n := range r.Notes {
		fmt.Fprintln(w, "note:", n)
	}
}

// printSpeed prints the engine, HTTP, ratio and tree tables.
func (r *results) printSpeed(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "engine, in process\tcountries\tns/op\tallocs/op\tB/op\t")
	for _, e := range r.Engine {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t\n", e.Kind, e.Countries, e.NsPerOp, e.AllocsPerOp, e.BytesPerOp)
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "activation over HTTP (medians)\tcountries\tclients\trequests/s\tp50 ms\tp99 ms\tserver CPU µs/req\terrors\trounds/s\t")
	for _, l := range r.Load {
		cpu := "-"
		if l.ServerCPUUs > 0 {
			cpu = fmt.Sprintf("%.0f", l.ServerCPUUs)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.0f\t%.3f\t%.3f\t%s\t%d\t%.0f\t\n", l.Target, l.Countries, l.Concurrency, l.PerSecond, l.P50Ms, l.P99Ms, cpu, l.Errors, l.Rounds)
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "ratios\tcountries\tclients\tnumgate/opa\tnumgate/no-op\tnumgate/numgate-topdown\t")
	for _, x := range r.Ratios {
		fmt.Fprintf(tw, "\t%d\t%d\t%.2f\t%.2f\t%.2f\t\n", x.Countries, x.Concurrency, x.VsOPA, x.VsNoop, x.VsTopdown)
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "policy tree\tcountries\tload ms\treload ms\tserver RSS MiB\t")
	for _, t := range r.Trees {
		fmt.Fprintf(tw, "\t%d\t%.1f\t%.1f\t%.1f\t\n", t.Countries, t.LoadMs, t.ReloadMs, t.RSSMiB)
	}
	tw.Flush()
	if r.ScaleCost > 0 {
		fmt.Fprintf(w, "\nactivation cost at %d countries / at 15: %.2f (median of pairs measured back to back: %.2f)\n", r.Engine[len(r.Engine)-1].Countries, r.ScaleCost, r.ScaleCostRounds)
	}
}

func (r *results) save(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
