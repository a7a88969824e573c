//go:build !unix

package api

// freeBytes returns errNoStatfs: this system has no statfs.
func freeBytes(string) (uint64, error) { return 0, errNoStatfs }
