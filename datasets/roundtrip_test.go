package datasets

import (
	"bytes"
	"testing"
)

func TestRoundTripSmall(t *testing.T) {
	var rows []Population
	for _, sex := range []string{"female", "male"} {
		for a := int32(0); a <= 90; a++ {
			rows = append(rows, Population{AreaCode: "E06000001", Year: 2020, Sex: sex, Age: a, Count: float64(a), Kind: "estimate", Source: "test"})
		}
	}
	var buf bytes.Buffer
	if err := Write(&buf, rows); err != nil {
		t.Fatal(err)
	}
	got, err := Read[Population](buf.Bytes(), ReadOptions{Name: "x.parquet"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(rows) || got[100] != rows[100] {
		t.Fatalf("got %d rows, %+v", len(got), got[100])
	}
	rows = rows[:len(rows)-3]
	rows[5].Count = -1
	buf.Reset()
	Write(&buf, rows)
	_, err = Read[Population](buf.Bytes(), ReadOptions{Name: "x.parquet"})
	t.Log(err)
}
