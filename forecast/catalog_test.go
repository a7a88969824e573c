package forecast

import "testing"

func TestSearchKey(t *testing.T) {
	// ONS spells the Merseyside borough "St. Helens"; people type it every way.
	for _, q := range []string{"St. Helens", "st helens", "ST HELENS", "Saint Helens", "st.  helens", "St Helens "} {
		if got := SearchKey(q); got != "st helens" {
			t.Errorf("SearchKey(%q) = %q, want \"st helens\"", q, got)
		}
	}
	for in, want := range map[string]string{
		"Stockton-on-Tees":                    "stockton on tees",
		"Brighton and Hove":                   "brighton and hove",
		"Telford & Wrekin":                    "telford and wrekin",
		"King's Lynn and West Norfolk":        "kings lynn and west norfolk",
		"Bournemouth, Christchurch and Poole": "bournemouth christchurch and poole",
		// "saint" is only replaced as a whole word.
		"Saintbury": "saintbury",
	} {
		if got := SearchKey(in); got != want {
			t.Errorf("SearchKey(%q) = %q, want %q", in, got, want)
		}
	}
}
