package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/catalog/sqlite"
)

func buildBinary(b *testing.B) string {
	bin := filepath.Join(b.TempDir(), "lakectl")
	build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// BenchmarkStartupVersion times a whole `lakectl version` process: exec,
// Go runtime start, package initialisation, command tree, output.
func BenchmarkStartupVersion(b *testing.B) {
	bin := buildBinary(b)
	for b.Loop() {
		if out, err := exec.Command(bin, "version").CombinedOutput(); err != nil {
			b.Fatalf("%v: %s", err, out)
		}
	}
}

// BenchmarkStartupTrue is the floor: the same fork/exec of a program that
// does nothing, to read the start-up figure against.
func BenchmarkStartupTrue(b *testing.B) {
	bin, err := exec.LookPath("true")
	if err != nil {
		b.Skip("no true(1)")
	}
	for b.Loop() {
		if err := exec.Command(bin).Run(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCLITables1000 runs `lakectl catalog tables -o json` on a catalog
// of 1,000 tables with 50 columns each: open, page through, print.
func BenchmarkCLITables1000(b *testing.B) {
	bin := buildBinary(b)
	path := filepath.Join(b.TempDir(), "catalog.db")
	ctx := context.Background()
	c, err := sqlite.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	if err := c.CreateDatabase(ctx, catalog.Database{Name: "bench"}); err != nil {
		b.Fatal(err)
	}
	for i := range 1000 {
		t := catalog.Table{DatabaseName: "bench", Name: fmt.Sprintf("table_%04d", i)}
		for j := range 50 {
			t.StorageDescriptor.Columns = append(t.StorageDescriptor.Columns, catalog.Column{Name: fmt.Sprintf("column_%02d", j), Type: "bigint", Comment: "a comment"})
		}
		if err := c.CreateTable(ctx, t); err != nil {
			b.Fatal(err)
		}
	}
	c.Close()
	for b.Loop() {
		cmd := exec.Command(bin, "catalog", "tables", "bench", "-o", "json", "--catalog", "sqlite:"+path)
		cmd.Env = append(os.Environ(), "LAKECTL_HOME="+b.TempDir())
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v: %s", err, out)
		}
	}
}
