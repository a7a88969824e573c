package datasets

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
)

// Bundle is a complete set of canonical datasets, as loaded for a run: one slice per kind (nil
// when the kind is absent) and, for each file read, its summary with content hash.
type Bundle struct {
	Areas            []Area
	Population       []Population
	PopulationOldest []PopulationOldest
	PopulationTotals []PopulationTotal
	Mortality        []Mortality
	Fertility        []Fertility
	Migration        []Migration
	LifeExpectancy   []LifeExpectancy
	Prevalence       []Prevalence
	ServiceActivity  []ServiceActivity
	UnitCosts        []UnitCost
	Supply           []Supply
	Deprivation      []Deprivation
	ActivityHistory  []ActivityHistory
	TopicRates       []TopicRate

	// Projections are supplied population projections kept in files of their own
	// (ProjectionsDir): EagerProjections read with the data, the others on first use.
	Projections []*LazyProjection

	// Files describes each file loaded, in Kinds order.
	Files []Summary
}

// FileName is the file name of kind k inside a dataset directory.
func FileName(k Kind) string { return string(k) + ".parquet" }

// LoadFS reads every "<kind>.parquet" present in fsys (areas.parquet is required), validating
// each; rows that name an area must name one in the areas table. Files are read in parallel.
// Every problem of every file is returned, joined, when any file is invalid.
func LoadFS(fsys fs.FS, opts ReadOptions) (*Bundle, error) {
	areaData, err := fs.ReadFile(fsys, FileName(KindAreas))
	if err != nil {
		return nil, fmt.Errorf("loading datasets: %w", err)
	}
	b := &Bundle{}
	aopts := opts
	aopts.Name = FileName(KindAreas)
	if b.Areas, err = Read[Area](areaData, aopts); err != nil {
		return nil, err
	}
	known := make(map[string]bool, len(b.Areas))
	for _, a := range b.Areas {
		known[a.AreaCode] = true
	}
	summaries := make([]Summary, len(Kinds))
	sum := Summarize(b.Areas)
	sum.File, sum.Bytes, sum.ContentHash = aopts.Name, int64(len(areaData)), ContentHash(areaData)
	summaries[0] = sum

	lopts := opts
	lopts.KnownAreas = known
	if b.Projections, err = lazyProjections(fsys, lopts); err != nil {
		return nil, err
	}
	var wg sync.WaitGroup
	errs := make([]error, len(Kinds), len(Kinds)+len(b.Projections))
	for _, l := range b.Projections {
		if slices.Contains(EagerProjections, l.Variant) {
			i := len(errs)
			errs = append(errs, nil)
			wg.Go(func() { _, errs[i] = l.Cube() })
		}
	}
	for i, k := range Kinds[1:] {
		i := i + 1
		data, err := fs.ReadFile(fsys, FileName(k))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("loading datasets: %w", err)
		}
		o := opts
		o.Name = FileName(k)
		o.KnownAreas = known
		wg.Go(func() {
			s, err := b.load(k, data, o)
			if err != nil {
				errs[i] = err
				return
			}
			s.File, s.Bytes, s.ContentHash = o.Name, int64(len(data)), ContentHash(data)
			summaries[i] = s
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for _, s := range summaries {
		if s.Kind != "" {
			b.Files = append(b.Files, s)
		}
	}
	return b, nil
}

// LoadDir reads a dataset directory (see LoadFS).
func LoadDir(dir string, opts ReadOptions) (*Bundle, error) {
	return LoadFS(os.DirFS(dir), opts)
}

// load reads one kind into its slice of b; each kind writes a different field, so loads of
// different kinds may run concurrently.
func (b *Bundle) load(k Kind, data []byte, o ReadOptions) (Summary, error) {
	var err error
	var s Summary
	switch k {
	case KindPopulation:
		if b.Population, err = Read[Population](data, o); err == nil {
			s = Summarize(b.Population)
		}
	case KindPopulationOldest:
		if b.PopulationOldest, err = Read[PopulationOldest](data, o); err == nil {
			s = Summarize(b.PopulationOldest)
		}
	case KindPopulationTotals:
		if b.PopulationTotals, err = Read[PopulationTotal](data, o); err == nil {
			s = Summarize(b.PopulationTotals)
		}
	case KindMortality:
		if b.Mortality, err = Read[Mortality](data, o); err == nil {
			s = Summarize(b.Mortality)
		}
	case KindFertility:
		if b.Fertility, err = Read[Fertility](data, o); err == nil {
			s = Summarize(b.Fertility)
		}
	case KindMigration:
		if b.Migration, err = Read[Migration](data, o); err == nil {
			s = Summarize(b.Migration)
		}
	case KindLifeExpectancy:
		if b.LifeExpectancy, err = Read[LifeExpectancy](data, o); err == nil {
			s = Summarize(b.LifeExpectancy)
		}
	case KindPrevalence:
		if b.Prevalence, err = Read[Prevalence](data, o); err == nil {
			s = Summarize(b.Prevalence)
		}
	case KindServiceActivity:
		if b.ServiceActivity, err = Read[ServiceActivity](data, o); err == nil {
			s = Summarize(b.ServiceActivity)
		}
	case KindUnitCosts:
		if b.UnitCosts, err = Read[UnitCost](data, o); err == nil {
			s = Summarize(b.UnitCosts)
		}
	case KindSupply:
		if b.Supply, err = Read[Supply](data, o); err == nil {
			s = Summarize(b.Supply)
		}
	case KindDeprivation:
		if b.Deprivation, err = Read[Deprivation](data, o); err == nil {
			s = Summarize(b.Deprivation)
		}
	case KindActivityHistory:
		if b.ActivityHistory, err = Read[ActivityHistory](data, o); err == nil {
			s = Summarize(b.ActivityHistory)
		}
	case KindTopicRates:
		if b.TopicRates, err = Read[TopicRate](data, o); err == nil {
			s = Summarize(b.TopicRates)
		}
	default:
		return s, fmt.Errorf("loading datasets: kind %q is not loadable here", k)
	}
	return s, err
}

// WriteDir writes every non-empty kind of b to dir as "<kind>.parquet" (deterministically), and
// removes files of kinds that b lacks.
func (b *Bundle) WriteDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("writing datasets: %w", err)
	}
	write := func(k Kind, n int, w func(path string) error) error {
		path := filepath.Join(dir, FileName(k))
		if n == 0 {
			if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			return nil
		}
		return w(path)
	}
	if err := b.writeProjections(dir); err != nil {
		return fmt.Errorf("writing datasets: %w", err)
	}
	return errors.Join(
		write(KindAreas, len(b.Areas), func(p string) error { return WriteFile(p, b.Areas) }),
		write(KindPopulation, len(b.Population), func(p string) error { return WriteFile(p, b.Population) }),
		write(KindPopulationOldest, len(b.PopulationOldest), func(p string) error { return WriteFile(p, b.PopulationOldest) }),
		write(KindPopulationTotals, len(b.PopulationTotals), func(p string) error { return WriteFile(p, b.PopulationTotals) }),
		write(KindMortality, len(b.Mortality), func(p string) error { return WriteFile(p, b.Mortality) }),
		write(KindFertility, len(b.Fertility), func(p string) error { return WriteFile(p, b.Fertility) }),
		write(KindMigration, len(b.Migration), func(p string) error { return WriteFile(p, b.Migration) }),
		write(KindLifeExpectancy, len(b.LifeExpectancy), func(p string) error { return WriteFile(p, b.LifeExpectancy) }),
		write(KindPrevalence, len(b.Prevalence), func(p string) error { return WriteFile(p, b.Prevalence) }),
		write(KindServiceActivity, len(b.ServiceActivity), func(p string) error { return WriteFile(p, b.ServiceActivity) }),
		write(KindUnitCosts, len(b.UnitCosts), func(p string) error { return WriteFile(p, b.UnitCosts) }),
		write(KindSupply, len(b.Supply), func(p string) error { return WriteFile(p, b.Supply) }),
		write(KindDeprivation, len(b.Deprivation), func(p string) error { return WriteFile(p, b.Deprivation) }),
		write(KindActivityHistory, len(b.ActivityHistory), func(p string) error { return WriteFile(p, b.ActivityHistory) }),
		write(KindTopicRates, len(b.TopicRates), func(p string) error { return WriteFile(p, b.TopicRates) }),
	)
}

// writeProjections writes each lazy projection to its file under dir and removes projection
// files b no longer has.
func (b *Bundle) writeProjections(dir string) error {
	pdir := filepath.Join(dir, ProjectionsDir)
	keep := map[string]bool{}
	for _, l := range b.Projections {
		rows, err := l.Rows()
		if err != nil {
			return err
		}
		if err := os.MkdirAll(pdir, 0o755); err != nil {
			return err
		}
		// The eager projections load with the data, where snappy's quicker decoding saves more
		// than its larger file costs; the others are read once if ever, so zstd's smaller
		// files win.
		write := writeCompact[Population]
		if slices.Contains(EagerProjections, l.Variant) {
			write = Write[Population]
		}
		if err := writeFileAtomic(filepath.Join(dir, l.File), func(w io.Writer) error { return write(w, rows) }); err != nil {
			return err
		}
		keep[filepath.Base(l.File)] = true
	}
	old, _ := filepath.Glob(filepath.Join(pdir, "*.parquet"))
	for _, f := range old {
		if !keep[filepath.Base(f)] {
			if err := os.Remove(f); err != nil {
				return err
			}
		}
	}
	return nil
}

// Describe summarises the bundle: one Summary per file, plus the counts a planner asks first.
type Description struct {
	Files           []Summary `json:"files"`
	Councils        int       `json:"councils"`  // upper-tier areas in force (social services authorities)
	Districts       int       `json:"districts"` // lower-tier areas in force
	Regions         int       `json:"regions"`
	Countries       int       `json:"countries"`
	EndedAreas      int       `json:"ended_areas"`
	PopulationYears []int32   `json:"population_years"`
	// Projections lists the supplied projections kept in files of their own, by variant:
	// EagerProjections load with the data, the others on first use.
	Projections []string `json:"projections,omitempty"`
}

// Describe reports what the bundle covers.
func (b *Bundle) Describe() Description {
	d := Description{Files: b.Files}
	for _, a := range b.Areas {
		if a.ValidTo != "" {
			d.EndedAreas++
			continue
		}
		switch a.AreaType {
		case AreaCountry:
			d.Countries++
		case AreaRegion:
			d.Regions++
		case AreaCounty:
			d.Councils++
		case AreaUnitary, AreaMetropolitanDistrict, AreaLondonBorough:
			d.Councils++
			d.Districts++
		case AreaNonMetropolitanDistrict:
			d.Districts++
		}
	}
	years := map[int32]bool{}
	for _, p := range b.Population {
		years[p.Year] = true
	}
	for y := range years {
		d.PopulationYears = append(d.PopulationYears, y)
	}
	sort.Slice(d.PopulationYears, func(i, j int) bool { return d.PopulationYears[i] < d.PopulationYears[j] })
	for _, l := range b.Projections {
		d.Projections = append(d.Projections, l.Variant)
	}
	return d
}
