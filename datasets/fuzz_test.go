package datasets

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// seedFiles returns the testdata files plus a small valid file of every kind, so the fuzzer
// starts from real Parquet structures of each schema.
func seedFiles(t testing.TB) [][]byte {
	var seeds [][]byte
	entries, _ := os.ReadDir("testdata")
	for _, e := range entries {
		if data, err := os.ReadFile(filepath.Join("testdata", e.Name())); err == nil {
			seeds = append(seeds, data)
		}
	}
	lo, hi := 0.01, 0.03
	seeds = append(seeds,
		encode(t, []Area{{AreaCode: "E92000001", AreaName: "England", AreaType: AreaCountry, Source: "s"}}),
		encode(t, []PopulationTotal{{AreaCode: "E92000001", Year: 2020, Sex: "all", AgeFrom: 0, AgeTo: 90, Count: 5, Kind: "estimate", Source: "s"}}),
		encode(t, []Mortality{{AreaCode: "E92000001", Year: 2020, Sex: "female", Rate: 0.1, RateType: "qx", Source: "s"}, {AreaCode: "E92000001", Year: 2020, Sex: "male", Rate: 0.1, RateType: "qx", Source: "s"}}),
		encode(t, []Fertility{{AreaCode: "E92000001", Year: 2020, Age: 20, Rate: 0.1, Source: "s"}}),
		encode(t, []Migration{{AreaCode: "E92000001", Year: 2020, Sex: "female", Flow: "net", Count: -3, Source: "s"}, {AreaCode: "E92000001", Year: 2020, Sex: "male", Flow: "net", Count: 3, Source: "s"}}),
		encode(t, []LifeExpectancy{{AreaCode: "E92000001", Year: 2020, Sex: "male", Age: 65, Ex: 18.5, ExType: "period", Source: "s"}}),
		encode(t, []Prevalence{{Measure: "dementia", Sex: "male", AgeFrom: 65, AgeTo: 69, Rate: 0.012, RateLo: &lo, RateHi: &hi, EvidenceYear: 2011, Source: "s"}}),
		encode(t, []ServiceActivity{{AreaCode: "E92000001", Year: 2013, Service: "home_care", AgeBand: "65+", Measure: "clients", Value: 10, Source: "s"}}),
		encode(t, []UnitCost{{AreaCode: "E92000001", Year: 2022, Service: "nursing", Unit: "week", Cost: 900, PriceBase: "2022-23", Source: "s"}}),
		encode(t, []Supply{{AreaCode: "E92000001", Year: 2022, Service: "nursing", Capacity: 100, Unit: "beds", Source: "s"}}),
		encode(t, []ActivityHistory{{AreaCode: "E92000001", Year: 2013, Service: "residential", AgeBand: "65+", Provision: "total", Measure: "weeks", Definition: DefinitionPSSEX1, Value: 10, Source: "s"}}),
		encode(t, []TopicRate{{Topic: "falls", Population: "65+", Label: "Falls", Sex: "male", AgeFrom: 85, AgeTo: TopicOpenAge, Rate: 0.43,
			Basis: BasisPopulation, Study: "HSE 2005", SourceURL: "https://example.org", Locator: "T2.1", Source: "s"}}),
	)
	return seeds
}

// kindSeeds is the number of seedFiles that are small valid files, one per kind (the last ones).
const kindSeeds = 12

// FuzzRead feeds arbitrary bytes to the reader of every kind: it must never panic, and never
// allocate more than AllocBound of the input's size and a 65,536-row cap, whatever row count
// its footer claims.
func FuzzRead(f *testing.F) {
	for _, s := range seedFiles(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, k := range Kinds {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			opts := ReadOptions{MaxBytes: 8 << 20, MaxRows: 1 << 16, KnownAreas: map[string]bool{"E92000001": true}}
			_, _ = Validate(k, data, opts)
			runtime.ReadMemStats(&after)
			if got, bound := after.TotalAlloc-before.TotalAlloc, AllocBound(len(data), opts); got > bound {
				t.Fatalf("reading %d bytes as %s allocated %d bytes, more than the bound %d", len(data), k, got, bound)
			}
		}
		_, _ = DetectKind(data)
	})
}
