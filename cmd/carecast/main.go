// Command carecast forecasts the adult social care needs of English councils.
//
// Usage: carecast <command> [flags]; `carecast help` lists the commands. Exit codes: 0 done,
// 1 bad input or a failure (the message says what and where), 2 wrong usage, 3 partial
// success (ts forecast wrote the series it could and lists on standard error those it skipped).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
