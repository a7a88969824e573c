package forecast

import "slices"

// NeedFamilies are need measures that count parts of one group of people and so must come from
// one survey year to be read together (docs/design.md §4). The first measure of a family is the
// need; the others count people among them: in the Health Survey for England, help received with
// at least one activity in the last month, and some unmet need with at least one activity (which
// includes people who received some help, so received + unmet can exceed need; what holds is
// received ≤ need and unmet ≤ need, in every band, sex and year).
var NeedFamilies = [][]string{
	{"adl_need_help", "adl_received_help", "adl_unmet_need"},
	{"iadl_need_help", "iadl_received_help", "iadl_unmet_need"},
}

// NeedFamily returns the family measure m belongs to, or nil.
func NeedFamily(m string) []string {
	for _, f := range NeedFamilies {
		if slices.Contains(f, m) {
			return f
		}
	}
	return nil
}

// FamilyEvidenceYear picks one evidence year for a need family: among the years in which the
// family's need (family[0]) is usable, the one in which the most of the other measures are
// usable too, earlier members counting before later ones (help received before unmet need);
// then the year whose need has more than one age band; then the latest. usable gives each
// measure's usable evidence years and bands[y] the number of age bands of the need in year y.
// It returns 0 when the need has no usable year.
func FamilyEvidenceYear(family []string, usable map[string]map[int]bool, bands map[int]int) int {
	best, bestScore := 0, -1
	for y := range usable[family[0]] {
		score := 0
		for i, m := range family[1:] {
			if usable[m][y] {
				score += 1 << (len(family) - 2 - i)
			}
		}
		score = score*4 + min(bands[y], 2)
		if score > bestScore || score == bestScore && y > best {
			best, bestScore = y, score
		}
	}
	return best
}
