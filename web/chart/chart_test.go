package chart

import (
	"encoding/xml"
	"io"
	"math"
	"slices"
	"strings"
	"testing"
)

// wellFormed parses svg as XML and returns the text of its title and desc elements.
func wellFormed(t *testing.T, svg string) (title, desc string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	var stack []string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, svg)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			stack = append(stack, tok.Name.Local)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 2 && stack[1] == "title" {
				title += string(tok)
			}
			if len(stack) == 2 && stack[1] == "desc" {
				desc += string(tok)
			}
		}
	}
	if !strings.HasPrefix(svg, "<svg") || !strings.Contains(svg, `role="img"`) {
		t.Errorf("not an <svg role=img>: %.80s", svg)
	}
	return title, desc
}

func TestFan(t *testing.T) {
	f := Fan{ID: "fan1", Title: "Home-care hours <a week>", Unit: "hours per week", Mark: 2035, Series: []Series{{
		Name: "Baseline", Years: []int{2021, 2035, 2045}, Mid: []float64{40457, 47000, 50635},
		Lo: []float64{40457, 44000, 46000}, Hi: []float64{40457, 50000, 55000},
	}, {Name: "Shift 10%", Years: []int{2021, 2035, 2045}, Mid: []float64{40457, 49729, 53000}}}}
	svg := string(f.SVG())
	title, desc := wellFormed(t, svg)
	if title != "Home-care hours <a week>" {
		t.Errorf("title %q", title)
	}
	want := "Baseline: 40,457 in 2021, 47,000 in 2035 (80% range 44,000 to 50,000), 50,635 in 2045 (80% range 46,000 to 55,000)"
	if !strings.Contains(desc, want) || !strings.Contains(desc, "Shift 10%: 40,457 in 2021, 49,729 in 2035, 53,000 in 2045") {
		t.Errorf("desc %q", desc)
	}
	if strings.Count(svg, "<polygon") != 1 {
		t.Errorf("want one band (the second series has none)")
	}
	if strings.Contains(svg, "<a week>") {
		t.Error("title not escaped")
	}
}

func TestEmptyCharts(t *testing.T) {
	for _, svg := range []string{string(Fan{ID: "e"}.SVG()), string(Stacked{ID: "e"}.SVG()), string(Pyramid{ID: "e"}.SVG()), string(Waterfall{ID: "e"}.SVG())} {
		wellFormed(t, svg)
	}
}

func TestPyramidStackedWaterfall(t *testing.T) {
	p := Pyramid{ID: "p", Title: "Pyramid", Bands: []string{"0-17", "18-64", "65+"}, Widths: []float64{18, 47, 30},
		BaseYear: 2021, Year: 2035, BaseFemale: []float64{100, 300, 90}, BaseMale: []float64{105, 290, 70},
		Female: []float64{95, 310, 120}, Male: []float64{100, 300, 100}}
	_, desc := wellFormed(t, string(p.SVG()))
	if !strings.Contains(desc, "Aged 65+: 120 women and 100 men in 2035, against 90 and 70 in 2021.") {
		t.Errorf("pyramid desc %q", desc)
	}
	s := Stacked{ID: "s", Title: "Mix", Unit: "clients", Categories: []string{"2021", "2035"},
		Series: []Stack{{"Residential", []float64{10, 12}}, {"Home care", []float64{20, 30}}}}
	_, desc = wellFormed(t, string(s.SVG()))
	if !strings.Contains(desc, "In all 30 in 2021 and 42 in 2035") {
		t.Errorf("stacked desc %q", desc)
	}
	wf := Waterfall{ID: "w", Title: "Drivers", StartLabel: "2021", Start: 100, EndLabel: "2035", End: 112,
		Steps: []Step{{"Demography", 20}, {"Shift to home care", -8}}}
	_, desc = wellFormed(t, string(wf.SVG()))
	if desc != "From 100 at 2021 to 112 at 2035: Demography +20, Shift to home care −8." {
		t.Errorf("waterfall desc %q", desc)
	}
}

func TestNiceTicks(t *testing.T) {
	for _, c := range []struct {
		lo, hi float64
		n      int
		want   []float64
	}{
		{0, 49729, 5, []float64{0, 10000, 20000, 30000, 40000, 50000}},
		{0, 1, 5, []float64{0, 0.2, 0.4, 0.6000000000000001, 0.8, 1}},
		{-8, 120, 4, []float64{-50, 0, 50, 100, 150}},
		{0, 0, 5, []float64{0, 1}},
		{7, 7, 5, []float64{0, 7}},
	} {
		got := NiceTicks(c.lo, c.hi, c.n)
		if len(got) != len(c.want) {
			t.Errorf("NiceTicks(%v, %v, %d) = %v, want %v", c.lo, c.hi, c.n, got, c.want)
			continue
		}
		for i := range got {
			if math.Abs(got[i]-c.want[i]) > 1e-9 {
				t.Errorf("NiceTicks(%v, %v, %d) = %v, want %v", c.lo, c.hi, c.n, got, c.want)
				break
			}
		}
		if got[0] > c.lo || got[len(got)-1] < c.hi {
			t.Errorf("NiceTicks(%v, %v) = %v does not cover", c.lo, c.hi, got)
		}
	}
}

func TestFormat(t *testing.T) {
	for _, c := range []struct {
		v           float64
		num, signed string
		short       string
	}{
		{0, "0", "0", "0"},
		{999.6, "1,000", "+1,000", "999.6"},
		{-1234567.4, "-1,234,567", "−1,234,567", "-1.2m"},
		{49729, "49,729", "+49,729", "49.7k"},
		{2.1e9, "2,100,000,000", "+2,100,000,000", "2.1bn"},
		{math.NaN(), "–", "–", "NaN"},
	} {
		if got := Number(c.v); got != c.num {
			t.Errorf("Number(%v) = %q, want %q", c.v, got, c.num)
		}
		if got := Signed(c.v); got != c.signed {
			t.Errorf("Signed(%v) = %q, want %q", c.v, got, c.signed)
		}
		if got := Short(c.v); got != c.short {
			t.Errorf("Short(%v) = %q, want %q", c.v, got, c.short)
		}
	}
	if got := yearTicks(2021, 2045); !slices.Equal(got, []int{2021, 2025, 2030, 2035, 2040, 2045}) {
		t.Errorf("yearTicks = %v", got)
	}
}

func TestMoney(t *testing.T) {
	for _, c := range []struct {
		v             float64
		money, signed string
	}{
		{0, "£0", "£0"},
		{-0.4, "£0", "£0"},
		{850, "£850", "+£850"},
		{999.6, "£1k", "+£1k"},
		{12345, "£12.3k", "+£12.3k"},
		{850000, "£850k", "+£850k"},
		{999950, "£1m", "+£1m"},
		{1.23e6, "£1.2m", "+£1.2m"},
		{-1.23e6, "−£1.2m", "−£1.2m"},
		{183_912_456, "£184m", "+£184m"},
		{12.34e9, "£12.3bn", "+£12.3bn"},
		{2.5e12, "£2500bn", "+£2500bn"},
		{math.NaN(), "–", "–"},
	} {
		if got := Money(c.v); got != c.money {
			t.Errorf("Money(%v) = %q, want %q", c.v, got, c.money)
		}
		if got := SignedMoney(c.v); got != c.signed {
			t.Errorf("SignedMoney(%v) = %q, want %q", c.v, got, c.signed)
		}
	}
}

// TestWaterfallMoney: a waterfall in pounds labels values, changes and ticks as compact pounds,
// and a change too wide for the room beside its bar is written inside the bar.
func TestWaterfallMoney(t *testing.T) {
	wf := Waterfall{ID: "w", Title: "Cost", Money: true, StartLabel: "2022 level", Start: 183_912_456, EndLabel: "2035 level", End: 229_800_000,
		Steps: []Step{{"Population change (demography)", 25_300_000}, {"Shift from residential care to home care", -6_100_000}, {"Unit-cost growth", 26_687_544}}}
	svg := string(wf.SVG())
	_, desc := wellFormed(t, svg)
	if desc != "From £184m at 2022 level to £230m at 2035 level: Population change (demography) +£25.3m, Shift from residential care to home care −£6.1m, Unit-cost growth +£26.7m." {
		t.Errorf("desc %q", desc)
	}
	for _, want := range []string{`class="step-value">£184m</text>`, `class="step-value">−£6.1m</text>`, `class="tick">£200m</text>`} {
		if !strings.Contains(svg, want) {
			t.Errorf("svg lacks %s", want)
		}
	}
	if strings.Contains(svg, "183,912,456") {
		t.Error("full pounds in the chart")
	}
	// The widest label's room is reserved, so none goes inside a bar here; with a label far
	// wider than the margin allows, the long bar takes it inside, in a colour that reads on it.
	if strings.Contains(svg, "inside") {
		t.Error("a label inside a bar although the margin holds them")
	}
	wide := Waterfall{ID: "x", Title: "x", StartLabel: "a", Start: 1, EndLabel: "b", End: 1e15, Steps: []Step{{"big", 1e15 - 1}}}
	if svg := string(wide.SVG()); !strings.Contains(svg, "step-value inside on-dark") {
		t.Errorf("no label inside a bar: %s", svg)
	}
	if got := wrapWidth("Trend in use rates (activity history) and a great deal more besides", 224, 13, 2); len(got) != 2 || !strings.HasSuffix(got[1], "…") {
		t.Errorf("wrapWidth = %q", got)
	}
}
