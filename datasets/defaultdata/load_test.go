package defaultdata

import (
	"io/fs"
	"runtime"
	"testing"

	"github.com/carecast/carecast/datasets"
)

func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := datasets.LoadFS(files, datasets.ReadOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestAllocPerByte(t *testing.T) {
	entries, _ := fs.ReadDir(files, ".")
	for _, e := range entries {
		data, _ := fs.ReadFile(files, e.Name())
		var m0, m1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m0)
		k, _ := datasets.DetectKind(data)
		_, err := datasets.Validate(k, data, datasets.ReadOptions{})
		runtime.ReadMemStats(&m1)
		t.Logf("%s %v: %d bytes, alloc %d (%.1fx)", e.Name(), err, len(data), m1.TotalAlloc-m0.TotalAlloc, float64(m1.TotalAlloc-m0.TotalAlloc)/float64(len(data)))
	}
}
