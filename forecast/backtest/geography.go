package backtest

import (
	"fmt"
	"sort"
)

// Successor returns the area that code is now part of: code itself if it is in force (a key of
// inForce), else the end of its chain of successors. It returns an error if the chain breaks
// (a code neither in force nor with a successor) or loops.
func Successor(code string, successors map[string]string, inForce map[string]bool) (string, error) {
	seen := map[string]bool{}
	for c := code; ; {
		if inForce[c] {
			return c, nil
		}
		if seen[c] {
			return "", fmt.Errorf("area %s: the successor chain loops at %s", code, c)
		}
		seen[c] = true
		next, ok := successors[c]
		if !ok || next == "" {
			if c == code {
				return "", fmt.Errorf("area %s is not in force and has no successor", code)
			}
			return "", fmt.Errorf("area %s: successor %s is not in force and has no successor", code, c)
		}
		c = next
	}
}

// ToSuccessors re-expresses values on older boundaries on the boundaries in force: each code's
// value is added to its successor's (see Successor). Only whole areas merge, so a successor's
// value is exactly the sum of its predecessors'. Codes are summed in sorted order, so results
// are reproducible. values is not modified.
//
// ToSuccessors returns an error naming the first code that cannot be placed.
func ToSuccessors(values map[string]float64, successors map[string]string, inForce map[string]bool) (map[string]float64, error) {
	codes := make([]string, 0, len(values))
	for c := range values {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	out := make(map[string]float64, len(values))
	for _, c := range codes {
		s, err := Successor(c, successors, inForce)
		if err != nil {
			return nil, err
		}
		out[s] += values[c]
	}
	return out, nil
}

// rollUp returns the district values of v summed to every area: each district's own value, and
// for every area above districts the sum of its districts (in sorted order of district code).
// Districts missing from v count as missing for all their ancestors: an ancestor gets a value
// only if every one of its districts has one.
func (ix *index) rollUp(v map[string]float64) map[string]float64 {
	out := make(map[string]float64, len(ix.areas))
	missing := map[string]bool{}
	for _, c := range ix.districts {
		x, ok := v[c]
		if !ok {
			for _, a := range ix.ancestors[c] {
				missing[a] = true
			}
			continue
		}
		out[c] = x
		for _, a := range ix.ancestors[c] {
			out[a] += x
		}
	}
	for a := range missing {
		delete(out, a)
	}
	return out
}
