package store

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
)

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewID returns a new random identifier: prefix, "_", then 26 characters from [a-z2-7] (128
// random bits), e.g. "run_4mq…". IDs carry no order and reveal nothing.
func NewID(prefix string) string {
	var b [16]byte
	rand.Read(b[:]) // never returns an error (crypto/rand panics if it cannot read)
	return prefix + "_" + idEncoding.EncodeToString(b[:])
}

// ValidID reports whether s looks like an ID NewID(prefix) made.
func ValidID(prefix, s string) bool {
	rest, ok := strings.CutPrefix(s, prefix+"_")
	if !ok || len(rest) != 26 {
		return false
	}
	for _, c := range rest {
		if (c < 'a' || c > 'z') && (c < '2' || c > '7') {
			return false
		}
	}
	return true
}
