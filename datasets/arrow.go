package datasets

import (
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/carecast/carecast/forecast"
)

// ResultArrowSchema returns the Arrow schema of a result table: the ResultColumns as utf8,
// int32 (year) and nullable float64 (mean, p10, p50, p90), with md as the schema metadata.
func ResultArrowSchema(md map[string]string) *arrow.Schema {
	fields := make([]arrow.Field, len(resultSpecs))
	for i, s := range resultSpecs {
		switch s.typ {
		case colString:
			fields[i] = arrow.Field{Name: s.name, Type: arrow.BinaryTypes.String}
		case colInt:
			fields[i] = arrow.Field{Name: s.name, Type: arrow.PrimitiveTypes.Int32}
		case colFloat:
			fields[i] = arrow.Field{Name: s.name, Type: arrow.PrimitiveTypes.Float64, Nullable: true}
		}
	}
	var meta *arrow.Metadata
	if len(md) > 0 {
		keys := make([]string, 0, len(md))
		for k := range md {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		vals := make([]string, len(keys))
		for i, k := range keys {
			vals[i] = md[k]
		}
		m := arrow.NewMetadata(keys, vals)
		meta = &m
	}
	return arrow.NewSchema(fields, meta)
}

// arrowWriter writes the Arrow IPC stream format, one record batch per ResultRowGroupRows rows.
type arrowWriter struct {
	w      io.Writer
	schema *arrow.Schema
	alloc  memory.Allocator
	b      *array.RecordBuilder
	iw     *ipc.Writer
	n      int
	closed bool
	err    error
}

func newArrowWriter(w io.Writer, prov Provenance, alloc memory.Allocator) *arrowWriter {
	if alloc == nil {
		alloc = memory.DefaultAllocator
	}
	schema := ResultArrowSchema(prov.Metadata())
	return &arrowWriter{w: w, schema: schema, alloc: alloc}
}

func (w *arrowWriter) Write(rows ...forecast.ResultRow) error {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return errors.New("arrow export: write after Close")
	}
	if w.b == nil {
		w.b = array.NewRecordBuilder(w.alloc, w.schema)
		w.iw = ipc.NewWriter(w.w, ipc.WithSchema(w.schema), ipc.WithAllocator(w.alloc))
	}
	for i := range rows {
		r := &rows[i]
		if err := checkResultRow(r, false); err != nil {
			w.err = fmt.Errorf("arrow export: %w", err)
			return w.err
		}
		for c, s := range []string{r.ScenarioID, r.RunID, r.AreaCode, r.AreaName} {
			w.b.Field(c).(*array.StringBuilder).Append(s)
		}
		w.b.Field(rcYear).(*array.Int32Builder).Append(int32(r.Year))
		for c, s := range []string{r.Measure, r.Unit, r.Sex, r.AgeBand} {
			w.b.Field(rcMeasure + c).(*array.StringBuilder).Append(s)
		}
		for c, v := range []float64{r.Mean, r.P10, r.P50, r.P90} {
			fb := w.b.Field(rcMean + c).(*array.Float64Builder)
			if math.IsNaN(v) {
				fb.AppendNull()
			} else {
				fb.Append(v)
			}
		}
		w.n++
		if w.n == ResultRowGroupRows {
			if err := w.flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

// flush writes the rows built so far as one record batch.
func (w *arrowWriter) flush() error {
	if w.n == 0 {
		return nil
	}
	rec := w.b.NewRecordBatch()
	defer rec.Release()
	w.n = 0
	if err := w.iw.Write(rec); err != nil {
		w.err = fmt.Errorf("arrow export: %w", err)
		return w.err
	}
	return nil
}

func (w *arrowWriter) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	if w.b == nil { // no rows: still a valid stream with its schema
		w.b = array.NewRecordBuilder(w.alloc, w.schema)
		w.iw = ipc.NewWriter(w.w, ipc.WithSchema(w.schema), ipc.WithAllocator(w.alloc))
	}
	defer w.b.Release()
	err := w.err
	if err == nil {
		err = w.flush()
	}
	if cerr := w.iw.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("arrow export: %w", cerr)
	}
	return err
}

// ReadArrowResults reads an Arrow IPC stream of result rows (as exported in FormatArrow) and
// calls fn with each row (nulls read as NaN), stopping at fn's first error. It returns the
// provenance from the schema metadata. The schema must hold the ResultColumns with their
// types. Every batch is released before it returns; alloc nil means memory.DefaultAllocator.
func ReadArrowResults(r io.Reader, alloc memory.Allocator, fn func(forecast.ResultRow) error) (Provenance, error) {
	if alloc == nil {
		alloc = memory.DefaultAllocator
	}
	rd, err := ipc.NewReader(r, ipc.WithAllocator(alloc))
	if err != nil {
		return Provenance{}, fmt.Errorf("arrow results: %w", err)
	}
	defer rd.Release()
	schema := rd.Schema()
	want := ResultArrowSchema(nil)
	for i, f := range want.Fields() {
		if i >= schema.NumFields() || schema.Field(i).Name != f.Name || !arrow.TypeEqual(schema.Field(i).Type, f.Type) {
			return Provenance{}, fmt.Errorf("arrow results: column %d: want %s (%s)", i+1, f.Name, f.Type)
		}
	}
	md := schema.Metadata()
	prov, err := ProvenanceFromMetadata(func(k string) (string, bool) {
		i := md.FindKey(k)
		if i < 0 {
			return "", false
		}
		return md.Values()[i], true
	})
	if err != nil {
		return Provenance{}, fmt.Errorf("arrow results: %w", err)
	}
	for rd.Next() {
		rec := rd.RecordBatch()
		str := func(c int) *array.String { return rec.Column(c).(*array.String) }
		years := rec.Column(rcYear).(*array.Int32)
		val := func(c, i int) float64 {
			a := rec.Column(c).(*array.Float64)
			if a.IsNull(i) {
				return math.NaN()
			}
			return a.Value(i)
		}
		for i := range int(rec.NumRows()) {
			row := forecast.ResultRow{ScenarioID: str(rcScenario).Value(i), RunID: str(rcRun).Value(i),
				AreaCode: str(rcArea).Value(i), AreaName: str(rcAreaName).Value(i), Year: int(years.Value(i)),
				Measure: str(rcMeasure).Value(i), Unit: str(rcUnit).Value(i), Sex: str(rcSex).Value(i),
				AgeBand: str(rcAgeBand).Value(i),
				Mean:    val(rcMean, i), P10: val(rcP10, i), P50: val(rcP50, i), P90: val(rcP90, i)}
			if err := fn(row); err != nil {
				return prov, err
			}
		}
	}
	if err := rd.Err(); err != nil {
		return prov, fmt.Errorf("arrow results: %w", err)
	}
	return prov, nil
}

// ArrowSchema returns the Arrow schema of canonical dataset kind T: its columns in order,
// strings as utf8, whole numbers as int32, numbers as float64, nullable where the Parquet
// column is optional.
func ArrowSchema[T Record]() *arrow.Schema {
	return arrowSchemaOf(reflect.TypeFor[T]())
}

func arrowSchemaOf(t reflect.Type) *arrow.Schema {
	fields := make([]arrow.Field, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("parquet"), ",")
		switch f.Type.Kind() {
		case reflect.String:
			fields[i] = arrow.Field{Name: name, Type: arrow.BinaryTypes.String}
		case reflect.Int32:
			fields[i] = arrow.Field{Name: name, Type: arrow.PrimitiveTypes.Int32}
		case reflect.Float64:
			fields[i] = arrow.Field{Name: name, Type: arrow.PrimitiveTypes.Float64}
		case reflect.Pointer: // *float64: optional
			fields[i] = arrow.Field{Name: name, Type: arrow.PrimitiveTypes.Float64, Nullable: true}
		default:
			panic(fmt.Sprintf("datasets: no Arrow type for %s.%s", t.Name(), f.Name)) // broken contract
		}
	}
	md := arrow.NewMetadata([]string{"carecast.kind"}, []string{kindName(t)})
	return arrow.NewSchema(fields, &md)
}

func kindName(t reflect.Type) string {
	for k, s := range map[reflect.Type]Kind{
		reflect.TypeFor[Area](): KindAreas, reflect.TypeFor[Population](): KindPopulation,
		reflect.TypeFor[PopulationOldest](): KindPopulationOldest, reflect.TypeFor[PopulationTotal](): KindPopulationTotals,
		reflect.TypeFor[Mortality](): KindMortality, reflect.TypeFor[Fertility](): KindFertility,
		reflect.TypeFor[Migration](): KindMigration, reflect.TypeFor[LifeExpectancy](): KindLifeExpectancy,
		reflect.TypeFor[Prevalence](): KindPrevalence, reflect.TypeFor[ServiceActivity](): KindServiceActivity,
		reflect.TypeFor[UnitCost](): KindUnitCosts, reflect.TypeFor[Supply](): KindSupply, reflect.TypeFor[Deprivation](): KindDeprivation,
		reflect.TypeFor[ActivityHistory](): KindActivityHistory, reflect.TypeFor[TopicRate](): KindTopicRates,
	} {
		if k == t {
			return string(s)
		}
	}
	return ""
}

// ToArrow converts canonical rows to one Arrow record batch with the schema ArrowSchema[T]()
// (metadata key carecast.kind names the kind), allocated from alloc (nil means
// memory.DefaultAllocator). The caller owns the batch and must Release it. Rows are not
// modified. For tables too large for one batch, use ToArrowBatches.
func ToArrow[T Record](rows []T, alloc memory.Allocator) (arrow.RecordBatch, error) {
	if alloc == nil {
		alloc = memory.DefaultAllocator
	}
	if len(rows) > math.MaxInt32 {
		return nil, fmt.Errorf("to arrow: %d rows is more than one batch may hold", len(rows))
	}
	t := reflect.TypeFor[T]()
	schema := arrowSchemaOf(t)
	b := array.NewRecordBuilder(alloc, schema)
	defer b.Release()
	b.Reserve(len(rows))
	for i := range rows {
		v := reflect.ValueOf(&rows[i]).Elem()
		for c := range t.NumField() {
			f := v.Field(c)
			switch fb := b.Field(c).(type) {
			case *array.StringBuilder:
				fb.Append(f.String())
			case *array.Int32Builder:
				fb.Append(int32(f.Int()))
			case *array.Float64Builder:
				if f.Kind() == reflect.Pointer {
					if f.IsNil() {
						fb.AppendNull()
					} else {
						fb.Append(f.Elem().Float())
					}
				} else {
					fb.Append(f.Float())
				}
			}
		}
	}
	return b.NewRecordBatch(), nil
}

// ToArrowBatches returns a RecordReader over rows in batches of at most batchRows rows (each
// built when the reader reaches it, so at most one batch is in memory). The caller must
// Release the reader; a batch kept past the next call to Next must be Retained.
func ToArrowBatches[T Record](rows []T, batchRows int, alloc memory.Allocator) array.RecordReader {
	if batchRows <= 0 {
		batchRows = ResultRowGroupRows
	}
	return &batchReader[T]{rows: rows, n: batchRows, alloc: alloc, schema: ArrowSchema[T](), refs: 1}
}

type batchReader[T Record] struct {
	rows   []T
	n      int
	alloc  memory.Allocator
	schema *arrow.Schema
	cur    arrow.RecordBatch
	err    error
	refs   int64
}

func (r *batchReader[T]) Retain() { r.refs++ }
func (r *batchReader[T]) Release() {
	r.refs--
	if r.refs == 0 && r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
}
func (r *batchReader[T]) Schema() *arrow.Schema { return r.schema }
func (r *batchReader[T]) Err() error            { return r.err }

func (r *batchReader[T]) Next() bool {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if len(r.rows) == 0 || r.err != nil {
		return false
	}
	n := min(r.n, len(r.rows))
	r.cur, r.err = ToArrow(r.rows[:n], r.alloc)
	r.rows = r.rows[n:]
	return r.err == nil
}

// RecordBatch returns the current batch, valid until the next call to Next.
func (r *batchReader[T]) RecordBatch() arrow.RecordBatch { return r.cur }

// Record returns the current batch (the older name of RecordBatch, kept for array.RecordReader).
//
// Deprecated: use RecordBatch.
func (r *batchReader[T]) Record() arrow.RecordBatch { return r.cur }
