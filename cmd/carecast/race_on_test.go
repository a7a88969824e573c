//go:build race

package main

// raceEnabled reports whether the tests were built with the race detector.
const raceEnabled = true
