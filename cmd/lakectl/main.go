// Command lakectl is the AWS Glue data-lake toolkit in one binary.
package main

import (
	"os"

	"github.com/lakectl/lakectl/internal/cli"
)

func main() { os.Exit(cli.Main()) }
