// Command carecast forecasts adult social care needs for English councils.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "carecast: not yet implemented")
	os.Exit(2)
}
