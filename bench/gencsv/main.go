// Command gencsv writes the benchmark's CSV: ROWS rows of 8 mixed columns.
//
//	go run ./gencsv FILE ROWS
package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
)

func main() {
	n, err := strconv.Atoi(os.Args[2])
	if err != nil {
		panic(err)
	}
	f, err := os.Create(os.Args[1])
	if err != nil {
		panic(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "id,customer,email,amount,quantity,ordered_at,day,paid")
	for i := range n {
		fmt.Fprintf(w, "%d,customer %d,user%d@example.com,%d.%02d,%d,2024-%02d-%02dT%02d:%02d:00Z,2024-%02d-%02d,%v\n",
			i, i%1000, i%5000, i%10000, i%100, i%50, 1+i%12, 1+i%28, i%24, i%60, 1+i%12, 1+i%28, i%3 == 0)
	}
	if err := w.Flush(); err != nil {
		panic(err)
	}
	if err := f.Close(); err != nil {
		panic(err)
	}
}
