package ingestcmd

import (
	"context"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/cli/cmdutil"
	"github.com/lakectl/lakectl/internal/ingest"
)

func NewCmdHistory(f *cmdutil.Factory) *cobra.Command {
	var dest string
	var limit int
	cmd := &cobra.Command{
		Use:   "history [NAME] --to DEST",
		Short: "Show the runs of a dataset, or of every dataset under DEST",
		Long: `Show each run of a dataset of the raw zone DEST, oldest first: when it
started and how long it took, what it read, the rows or files and bytes it
landed, the watermark before and after, and its outcome (committed, nothing
new, failed, with the reason). Without NAME, every dataset under DEST
(found in one listing of DEST).`,
		Example: `  lakectl ingest history orders --to s3://lake/raw
  lakectl ingest history --to ./raw -o json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if dest == "" {
				return cmdutil.Usagef("--to is required: the raw zone's root")
			}
			return historyRun(cmd.Context(), f, dest, args, limit)
		},
	}
	cmd.Flags().StringVar(&dest, "to", "", "the raw zone's root: a path or s3:// URI (required)")
	cmd.Flags().IntVar(&limit, "limit", 0, "show only the newest N runs of each dataset (0: all)")
	return cmd
}

func historyRun(ctx context.Context, f *cmdutil.Factory, dest string, args []string, limit int) error {
	var names []string
	if len(args) == 1 {
		if err := ingest.CheckName(args[0]); err != nil {
			return cmdutil.Usagef("%v", err)
		}
		names = args
	} else {
		root, err := f.ExistingStore(ctx, dest)
		if err != nil {
			return err
		}
		if names, err = ingest.Datasets(ctx, root); err != nil {
			return err
		}
	}
	t := cmdutil.Table{Header: []string{"DATASET", "RUN", "STARTED", "DURATION", "OUTCOME", "SOURCE", "ROWS", "FILES", "BYTES", "WATERMARK", "ERROR"}}
	all := []ingest.Run{}
	for _, name := range names {
		ds, err := f.Store(ctx, DatasetURI(dest, name))
		if err != nil {
			return err
		}
		runs, err := ingest.History(ctx, ds, name)
		if err != nil {
			return err
		}
		if limit > 0 && len(runs) > limit {
			runs = runs[len(runs)-limit:]
		}
		all = append(all, runs...)
		for _, r := range runs {
			wm := ""
			if r.WatermarkBefore != "" || r.WatermarkAfter != "" {
				wm = cmdutil.OrDash(r.WatermarkBefore) + " → " + cmdutil.OrDash(firstNonEmpty(r.WatermarkAfter, r.WatermarkBefore))
			}
			started, dur := "", ""
			if !r.Started.IsZero() {
				started = r.Started.UTC().Format(time.RFC3339)
				dur = r.Finished.Sub(r.Started).Round(time.Millisecond).String()
			}
			outcome := r.Outcome
			if outcome == "" {
				outcome = ingest.Committed // a convert or compact run
			}
			t.Add(name, r.Run, cmdutil.OrDash(started), cmdutil.OrDash(dur), outcome, cmdutil.OrDash(firstNonEmpty(r.Source, r.Command)),
				strconv.FormatInt(r.Rows, 10), strconv.Itoa(len(r.Files)), strconv.FormatInt(r.Bytes, 10), cmdutil.OrDash(wm), cmdutil.OrDash(r.Error))
		}
	}
	return f.Print(t, all)
}
