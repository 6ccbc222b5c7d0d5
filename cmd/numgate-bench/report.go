package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
)

func (r *results) print(w io.Writer) {
	fmt.Fprintf(w, "numgate-bench on %s, %s, load average %.2f (took %s)\n\n", r.Machine, r.When.Format("2006-01-02 15:04 MST"), r.Load1, r.took.Round(1e9))
	if len(r.Engine) > 0 {
		r.printSpeed(w)
	}
	if len(r.Default) > 0 {
		fmt.Fprintln(w)
		r.printDefault(w)
	}
	for _, n := range r.Notes {
		fmt.Fprintln(w, "note:", n)
	}
}

func table(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
}

// printSpeed prints the engine, HTTP, ratio, tree and scale tables.
func (r *results) printSpeed(w io.Writer) {
	tw := table(w)
	fmt.Fprintln(tw, "engine, in process\tinput\trequests\tcountries\tns/op\tCPU ns/op\tmedian µs\tallocs/op\tB/op\t")
	for _, e := range r.Engine {
		med := "-"
		if e.MedianNs > 0 {
			med = fmt.Sprintf("%.1f", float64(e.MedianNs)/1e3)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%s\t%d\t%d\t\n", e.Kind, e.Input, e.Requests, e.Countries, e.NsPerOp, e.CPUNsPerOp, med, e.AllocsPerOp, e.BytesPerOp)
	}
	tw.Flush()
	fmt.Fprintln(w)
	r.printLoad(w, "decisions over HTTP (medians)", r.Load, true)
	fmt.Fprintln(w)
	tw = table(w)
	fmt.Fprintln(tw, "ratios\tinput\tcountries\tclients\tnumgate/opa\tnumgate/no-op\tnumgate/numgate-topdown\t")
	for _, x := range r.Ratios {
		fmt.Fprintf(tw, "\t%s\t%d\t%d\t%.2f\t%.2f\t%.2f\t\n", x.Input, x.Countries, x.Concurrency, x.VsOPA, x.VsNoop, x.VsTopdown)
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = table(w)
	fmt.Fprintln(tw, "policy tree\tcountries\tload ms\treload ms\tserver RSS MiB after load\t")
	for _, t := range r.Trees {
		fmt.Fprintf(tw, "\t%d\t%.1f\t%.1f\t%.1f\t\n", t.Countries, t.LoadMs, t.ReloadMs, t.RSSMiB)
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = table(w)
	fmt.Fprintln(tw, "decision CPU cost, large tree / small\tinput\tcountries\tratio (median)\tpairs measured back to back\t")
	for _, s := range r.Scale {
		fmt.Fprintf(tw, "\t%s\t%d / %d\t%.2f\t%.2f\t\n", s.Input, s.Large, s.Small, s.Ratio, s.Rounds)
	}
	tw.Flush()
}

// printLoad prints load rows; withCountries adds the tree's size.
func (r *results) printLoad(w io.Writer, title string, rows []loadRow, withCountries bool) {
	tw := table(w)
	head := title + "\tinput\t"
	if withCountries {
		head += "countries\t"
	}
	fmt.Fprintln(tw, head+"clients\trequests/s\tp50 ms\tp99 ms\tserver CPU µs/req\terrors\trounds/s\t")
	for _, l := range rows {
		cpu := "-"
		if l.ServerCPUUs > 0 {
			cpu = fmt.Sprintf("%.0f", l.ServerCPUUs)
		}
		line := l.Target + "\t" + l.Input + "\t"
		if withCountries {
			line += fmt.Sprintf("%d\t", l.Countries)
		}
		fmt.Fprintf(tw, "%s%d\t%.0f\t%.3f\t%.3f\t%s\t%d\t%.0f\t\n", line, l.Concurrency, l.PerSecond, l.P50Ms, l.P99Ms, cpu, l.Errors, l.Rounds)
	}
	tw.Flush()
}

// printDefault prints the default configuration's table and its ratios.
func (r *results) printDefault(w io.Writer) {
	r.printLoad(w, "default configuration (make run)", r.Default, false)
	fmt.Fprintln(w)
	tw := table(w)
	fmt.Fprintln(tw, "default configuration ratios\tinput\tclients\tdefault/log off\tlog off/no-op\tpostgres/log off\t")
	for _, x := range r.DefaultRatios {
		pg := "-"
		if x.PostgresOff > 0 {
			pg = fmt.Sprintf("%.2f", x.PostgresOff)
		}
		fmt.Fprintf(tw, "\t%s\t%d\t%.2f\t%.2f\t%s\t\n", x.Input, x.Concurrency, x.OfLogOff, x.LogOffNoop, pg)
	}
	tw.Flush()
	fmt.Fprintf(w, "default configuration server RSS after its load: %.1f MiB\n", r.DefaultRSSMiB)
}

func (r *results) save(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
