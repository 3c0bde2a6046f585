package main

import (
	"fmt"
	"path/filepath"
	"time"
)

// compactBench times `lakectl convert compact` of a table of small files:
// the CSV converted with a small target file size (about 2 MiB files), then
// compacted to the default target, with lakectl and, in the same runs,
// with a baseline binary (-mode compact -baseline OLD/bin/lakectl).
func compactBench(lakectl, baseline, csv, dir string, runs int) {
	var lt, lcpu, bt, bcpu []time.Duration
	var lrss, brss int64
	one := func(bin, name string, i int) (time.Duration, time.Duration, int64) {
		cat := "sqlite:" + filepath.Join(dir, name+".db")
		table := fmt.Sprintf("bench.c%d", i)
		run(bin, "convert", csv, "--to", filepath.Join(dir, fmt.Sprintf("%s-%d", name, i)), "--register", table, "--target-file-size", "2MiB", "--quiet", "--catalog", cat)
		return run(bin, "convert", "compact", table, "--quiet", "--catalog", cat)
	}
	for i := range runs {
		d, cpu, rss := one(lakectl, "lakectl", i)
		lt, lcpu, lrss = append(lt, d), append(lcpu, cpu), max(lrss, rss)
		if baseline != "" {
			d, cpu, rss := one(baseline, "baseline", i)
			bt, bcpu, brss = append(bt, d), append(bcpu, cpu), max(brss, rss)
		}
	}
	if baseline == "" {
		fmt.Printf("lakectl convert compact: median %v wall, %v CPU, peak RSS %d MiB\n", median(lt), median(lcpu), lrss>>10)
		return
	}
	report("lakectl convert compact", "baseline convert compact", lt, bt, lcpu, bcpu, lrss, brss)
}
