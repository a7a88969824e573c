package chart

import (
	"math"
	"strconv"
	"strings"
)

// em are advance widths, in ems, of DejaVu Sans Book (the pages' first font), for the
// characters chart labels use; other characters count as emDefault. Bold text is about
// boldFactor wider. Widths from the font's hmtx table (units per em 2048), rounded up.
var em = map[rune]float64{
	'a': 0.613, 'b': 0.635, 'c': 0.550, 'd': 0.635, 'e': 0.616, 'f': 0.353, 'g': 0.635, 'h': 0.634,
	'i': 0.278, 'j': 0.278, 'k': 0.579, 'l': 0.278, 'm': 0.974, 'n': 0.634, 'o': 0.612, 'p': 0.635,
	'q': 0.635, 'r': 0.411, 's': 0.521, 't': 0.392, 'u': 0.634, 'v': 0.592, 'w': 0.818, 'x': 0.592,
	'y': 0.592, 'z': 0.525, ' ': 0.318, '.': 0.318, ',': 0.318, ':': 0.337, ';': 0.337, '(': 0.390,
	')': 0.390, '-': 0.361, '–': 0.500, '—': 1.000, '−': 0.838, '+': 0.838, '%': 0.950, '£': 0.636,
	'…': 1.000, '\'': 0.275, '’': 0.318, '/': 0.337, '&': 0.780, 'I': 0.295, 'J': 0.295,
	'M': 0.863, 'W': 0.989,
}

const (
	emDigit    = 0.636
	emUpper    = 0.770 // a generous average of the capitals
	emDefault  = 0.700
	boldFactor = 1.12
)

// textWidth estimates the width of s drawn at size px in DejaVu Sans, bold or not, erring wide.
func textWidth(s string, px float64, bold bool) float64 {
	w := 0.0
	for _, r := range s {
		switch v, ok := em[r]; {
		case ok:
			w += v
		case r >= '0' && r <= '9':
			w += emDigit
		case r >= 'A' && r <= 'Z':
			w += emUpper
		default:
			w += emDefault
		}
	}
	if bold {
		w *= boldFactor
	}
	return w * px * 1.04
}

// wrapWidth breaks s into at most n lines no wider than maxW when drawn at size px, at
// spaces, ending the last with "…" if it does not fit.
func wrapWidth(s string, maxW, px float64, n int) []string {
	fits := func(l string) bool { return textWidth(l, px, false) <= maxW }
	var out []string
	line := ""
	for _, w := range strings.Fields(s) {
		switch {
		case line == "":
			line = w
		case fits(line + " " + w):
			line += " " + w
		default:
			out = append(out, line)
			line = w
		}
	}
	if line != "" || len(out) == 0 {
		out = append(out, line)
	}
	cut := len(out) > n
	if cut {
		out = out[:n]
	}
	for i, l := range out {
		last := cut && i == n-1
		if fits(l) && !last {
			continue
		}
		r := []rune(l)
		for len(r) > 0 && !fits(string(r)+"…") {
			r = r[:len(r)-1]
		}
		out[i] = strings.TrimRight(string(r), " ") + "…"
	}
	return out
}

// Money formats pounds compactly for chart labels, to about three significant figures:
// £850, £12.3k, £850k, £1.2m, £12.3bn; negative amounts with a minus sign (−£1.2m), NaN and
// infinities as "–".
func Money(v float64) string {
	if !finite(v) {
		return "–"
	}
	a := math.Abs(v)
	s := "£" + Number(a)
	if math.Round(a) >= 1000 {
		s = ""
		for _, u := range []struct {
			f      float64
			suffix string
		}{{1e3, "k"}, {1e6, "m"}, {1e9, "bn"}} {
			x := a / u.f
			r := math.Round(x*10) / 10
			digits := 1
			if r >= 100 {
				r, digits = math.Round(x), 0
			}
			if r < 1000 || u.suffix == "bn" {
				s = "£" + strings.TrimSuffix(strconv.FormatFloat(r, 'f', digits, 64), ".0") + u.suffix
				break
			}
		}
	}
	if v < 0 && s != "£0" {
		return "−" + s
	}
	return s
}

// SignedMoney is Money with a leading + for amounts that do not round to £0.
func SignedMoney(v float64) string {
	s := Money(v)
	if v > 0 && s != "£0" {
		return "+" + s
	}
	return s
}
