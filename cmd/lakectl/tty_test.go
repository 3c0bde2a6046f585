package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"

	"github.com/creack/pty"
)

// ttyRun is the ttyrun program of the scripts: it runs a command with its
// stderr on a pseudo-terminal, as when a person watches, and its stdout
// where ttyrun's goes (a file, as in `lakectl ... > out`). What the
// terminal showed comes out on ttyrun's stderr, escape sequences and all;
// the exit status is the command's.
//
//	exec ttyrun lakectl convert raw.orders --to cur
func ttyRun() int {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: ttyrun COMMAND [ARGS...]")
		return 2
	}
	ptmx, tty, err := pty.Open()
	if err != nil {
		fmt.Fprintln(os.Stderr, "ttyrun:", err)
		return 2
	}
	defer ptmx.Close()
	pty.Setsize(ptmx, &pty.Winsize{Rows: 24, Cols: 120})
	cmd := exec.Command(os.Args[1], os.Args[2:]...)
	cmd.Stdout, cmd.Stderr = os.Stdout, tty
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "ttyrun:", err)
		return 2
	}
	tty.Close() // the command holds the terminal now: its end ends the reading
	copied := make(chan struct{})
	go func() {
		io.Copy(os.Stderr, ptmx) // until the terminal is closed (EIO)
		close(copied)
	}()
	err = cmd.Wait()
	<-copied
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return ee.ExitCode()
	case err != nil:
		fmt.Fprintln(os.Stderr, "ttyrun:", err)
		return 2
	}
	return 0
}
