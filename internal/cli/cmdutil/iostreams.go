package cmdutil

import (
	"io"
	"os"
	"strconv"

	"golang.org/x/term"
)

// ForceTTYEnv names the variable that makes lakectl print to stdout as to
// a terminal of that many columns, whatever stdout is: for tests, and for
// a person who pipes into a pager.
const ForceTTYEnv = "LAKECTL_FORCE_TTY"

// defaultWidth is the width of a terminal that does not tell its own.
const defaultWidth = 80

// IOStreams are the standard streams of a command, swapped in tests.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// StdoutTTY and StderrTTY say whether a person is watching.
	StdoutTTY, StderrTTY bool
	// StdoutWidth is the width in columns of the terminal on stdout (0
	// when stdout is not a terminal): tables are fitted to it.
	StdoutWidth int
}

// System returns the process's streams. Whether stdout is a terminal, and
// how wide, is decided here and nowhere else: getenv(ForceTTYEnv) overrides
// it, and COLUMNS gives the width of a terminal that does not tell it.
func System(getenv func(string) string) *IOStreams {
	s := &IOStreams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		StdoutTTY: term.IsTerminal(int(os.Stdout.Fd())),
		StderrTTY: term.IsTerminal(int(os.Stderr.Fd())),
	}
	if s.StdoutTTY {
		if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil && w > 0 {
			s.StdoutWidth = w
		} else if w, err := strconv.Atoi(getenv("COLUMNS")); err == nil && w > 0 {
			s.StdoutWidth = w
		} else {
			s.StdoutWidth = defaultWidth
		}
	}
	if w, err := strconv.Atoi(getenv(ForceTTYEnv)); err == nil && w > 0 {
		s.StdoutTTY, s.StdoutWidth = true, w
	}
	return s
}
