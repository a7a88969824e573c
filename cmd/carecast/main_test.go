package main

import (
	"context"
	"os"
	"slices"
	"testing"

	"github.com/carecast/carecast/store/postgres/pgtest"
)

// execEnv makes the test binary run as the carecast command (the arguments after "--") instead
// of the tests: the cluster test's servers and workers are such child processes, so that it
// can kill one with SIGKILL.
const execEnv = "CARECAST_TEST_EXEC"

func TestMain(m *testing.M) {
	if os.Getenv(execEnv) == "1" {
		args := os.Args[1:]
		if i := slices.Index(args, "--"); i >= 0 {
			args = args[i+1:]
		}
		os.Exit(run(context.Background(), args, os.Stdout, os.Stderr))
	}
	pgtest.Main(m) // a throwaway PostgreSQL for the cluster test
}
