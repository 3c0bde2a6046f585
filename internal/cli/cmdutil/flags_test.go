package cmdutil

import (
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

func TestSplitList(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"a", []string{"a"}},
		{"a,b", []string{"a", "b"}},
		{" a , b ", []string{"a", "b"}},
		{"amount:decimal(10,2)", []string{"amount:decimal(10,2)"}},
		{"id:bigint,amount:decimal(10,2),tags:array<string>", []string{"id:bigint", "amount:decimal(10,2)", "tags:array<string>"}},
		{"s:struct<a:int,b:map<string,int>>,x:int", []string{"s:struct<a:int,b:map<string,int>>", "x:int"}},
		{"amount=decimal(10,2),id=bigint", []string{"amount=decimal(10,2)", "id=bigint"}},
		{"**/{tmp,old}/**,*.bak", []string{"**/{tmp,old}/**", "*.bak"}},
		{"[!a-c]*.csv,x", []string{"[!a-c]*.csv", "x"}},
		{`"last, first",email`, []string{"last, first", "email"}},
		{`"say ""hi"", then",x`, []string{`say "hi", then`, "x"}},
		{"a)b,c", []string{"a)b", "c"}}, // a stray closing bracket does not go below the top level
	}
	for _, c := range cases {
		got, err := SplitList(c.in)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("SplitList(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "a,", ",a", "a,,b", `""`, " , "} {
		if got, err := SplitList(bad); err == nil {
			t.Errorf("SplitList(%q) = %q, want an error", bad, got)
		}
	}
}

// run parses args with a command whose flags were made by the helpers,
// returning what FlagError made of any error.
func run(t *testing.T, args ...string) (list []string, enum string, n int, err error) {
	t.Helper()
	cmd := &cobra.Command{Use: "x", RunE: func(*cobra.Command, []string) error { return nil }, SilenceErrors: true, SilenceUsage: true}
	cmd.SetFlagErrorFunc(FlagError)
	ListVar(cmd.Flags(), &list, "mask", "")
	EnumVar(cmd, &enum, "mode", "append", []string{"append", "overwrite", "overwrite-partitions"}, "")
	cmd.Flags().IntVar(&n, "workers", 16, "")
	Alias(cmd.Flags(), "workers", "concurrency")
	cmd.SetArgs(args)
	err = cmd.Execute()
	return list, enum, n, err
}

func TestListFlagTakesCommasAndRepetition(t *testing.T) {
	list, _, _, err := run(t, "--mask", "a,b", "--mask", "c", "--mask=d,e")
	if want := []string{"a", "b", "c", "d", "e"}; err != nil || !slices.Equal(list, want) {
		t.Errorf("--mask a,b --mask c --mask=d,e: %q, %v; want %q", list, err, want)
	}
	_, _, _, err = run(t, "--mask", "a,,b")
	if err == nil || !IsUsage(err) || err.Error() != `--mask "a,,b": want values separated by commas, none of them empty` {
		t.Errorf("--mask a,,b: %v", err)
	}
}

func TestEnumFlagIgnoresCase(t *testing.T) {
	_, mode, _, err := run(t)
	if err != nil || mode != "append" {
		t.Errorf("default: %q, %v", mode, err)
	}
	_, mode, _, err = run(t, "--mode", "Overwrite-PARTITIONS")
	if err != nil || mode != "overwrite-partitions" {
		t.Errorf("--mode Overwrite-PARTITIONS: %q, %v; want overwrite-partitions", mode, err)
	}
	_, _, _, err = run(t, "--mode", "replace")
	if err == nil || !IsUsage(err) || err.Error() != `--mode "replace": want append, overwrite or overwrite-partitions` {
		t.Errorf("--mode replace: %v", err)
	}
}

func TestAliasSetsTheSameValue(t *testing.T) {
	_, _, n, err := run(t, "--concurrency", "4")
	if err != nil || n != 4 {
		t.Errorf("--concurrency 4: %d, %v", n, err)
	}
	_, _, n, err = run(t, "--workers", "3")
	if err != nil || n != 3 {
		t.Errorf("--workers 3: %d, %v", n, err)
	}
	_, _, _, err = run(t, "--concurrency", "many")
	if err == nil || err.Error() != `--concurrency "many": want a whole number` {
		t.Errorf("--concurrency many: %v", err)
	}
}

func TestAliasIsHidden(t *testing.T) {
	cmd := &cobra.Command{Use: "x"}
	cmd.Flags().Int("workers", 16, "parallel workers")
	Alias(cmd.Flags(), "workers", "concurrency")
	if f := cmd.Flags().Lookup("concurrency"); f == nil || !f.Hidden {
		t.Fatalf("--concurrency: %+v", f)
	}
	if usage := cmd.Flags().FlagUsages(); !strings.Contains(usage, "--workers") || strings.Contains(usage, "concurrency") {
		t.Errorf("help lists the alias, or not the flag:\n%s", usage)
	}
}

func TestWant(t *testing.T) {
	err := Want("--delimiter", "ab", "one character")
	if !IsUsage(err) || err.Error() != `--delimiter "ab": want one character` {
		t.Errorf("Want: %v", err)
	}
}
