//go:build !unix

package service

// freeBytes returns ErrNoStatfs: this system has no statfs.
func freeBytes(string) (uint64, error) { return 0, ErrNoStatfs }
