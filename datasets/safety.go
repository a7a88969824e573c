package datasets

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go/format"
)

// The Parquet library decodes a file's footer and page headers (Thrift compact protocol) and
// trusts the sizes they declare: a list length or a page size read from a few hostile bytes can
// make it allocate gigabytes before anything fails. The checks here walk those structures first,
// with every length bounded by the bytes that remain, so that by the time the library acts on
// them each allocation is bounded by a fixed multiple of the file's size.

// errCorrupt marks problems with the file's bytes rather than its contents.
var errCorrupt = errors.New("corrupt parquet file")

const (
	thriftMaxDepth = 32
	// Compact-protocol type nibbles.
	tStop   = 0
	tTrue   = 1
	tFalse  = 2
	tByte   = 3
	tI16    = 4
	tI32    = 5
	tI64    = 6
	tDouble = 7
	tBinary = 8
	tList   = 9
	tSet    = 10
	tMap    = 11
	tStruct = 12
)

// thriftWalker reads Thrift compact-protocol data with every declared length checked against
// the bytes that remain.
type thriftWalker struct {
	b     []byte
	pos   int
	depth int
}

func (w *thriftWalker) fail(what string) error {
	return fmt.Errorf("%w: %s at byte %d of a %d-byte thrift structure", errCorrupt, what, w.pos, len(w.b))
}

func (w *thriftWalker) byte1() (byte, error) {
	if w.pos >= len(w.b) {
		return 0, w.fail("unexpected end")
	}
	c := w.b[w.pos]
	w.pos++
	return c, nil
}

func (w *thriftWalker) uvarint() (uint64, error) {
	v, n := binary.Uvarint(w.b[w.pos:])
	if n <= 0 {
		return 0, w.fail("bad varint")
	}
	w.pos += n
	return v, nil
}

func (w *thriftWalker) zigzag() (int64, error) {
	u, err := w.uvarint()
	if err != nil {
		return 0, err
	}
	return int64(u>>1) ^ -int64(u&1), nil
}

func (w *thriftWalker) remaining() int { return len(w.b) - w.pos }

// skip passes over one value of compact type t.
func (w *thriftWalker) skip(t byte) error {
	switch t {
	case tTrue, tFalse:
		return nil
	case tByte:
		_, err := w.byte1()
		return err
	case tI16, tI32, tI64:
		_, err := w.uvarint()
		return err
	case tDouble:
		if w.remaining() < 8 {
			return w.fail("unexpected end in double")
		}
		w.pos += 8
		return nil
	case tBinary:
		n, err := w.uvarint()
		if err != nil {
			return err
		}
		if n > uint64(w.remaining()) {
			return w.fail(fmt.Sprintf("binary of %d bytes with %d left", n, w.remaining()))
		}
		w.pos += int(n)
		return nil
	case tList, tSet:
		return w.list(func(et byte) error { return w.skipElem(et) })
	case tMap:
		n, err := w.uvarint()
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		if n > uint64(w.remaining())/2 {
			return w.fail(fmt.Sprintf("map of %d entries with %d bytes left", n, w.remaining()))
		}
		kv, err := w.byte1()
		if err != nil {
			return err
		}
		for range n {
			if err := w.skipElem(kv >> 4); err != nil {
				return err
			}
			if err := w.skipElem(kv & 0x0f); err != nil {
				return err
			}
		}
		return nil
	case tStruct:
		return w.structure(func(_ int16, ft byte) error { return w.skip(ft) })
	}
	return w.fail(fmt.Sprintf("unknown type %d", t))
}

// skipElem skips a list element; booleans in lists take one byte each.
func (w *thriftWalker) skipElem(t byte) error {
	if t == tTrue || t == tFalse {
		_, err := w.byte1()
		return err
	}
	return w.skip(t)
}

// list reads a list header and calls elem once per element, after checking that the declared
// count fits in the remaining bytes (every element takes at least one byte).
func (w *thriftWalker) list(elem func(et byte) error) error {
	h, err := w.byte1()
	if err != nil {
		return err
	}
	n := uint64(h >> 4)
	if n == 15 {
		if n, err = w.uvarint(); err != nil {
			return err
		}
	}
	if n > uint64(w.remaining()) {
		return w.fail(fmt.Sprintf("list of %d elements with %d bytes left", n, w.remaining()))
	}
	et := h & 0x0f
	for range n {
		if err := elem(et); err != nil {
			return err
		}
	}
	return nil
}

// structure reads a struct, calling field for every field; field must consume the value.
func (w *thriftWalker) structure(field func(id int16, t byte) error) error {
	w.depth++
	if w.depth > thriftMaxDepth {
		return w.fail("structures nested too deeply")
	}
	defer func() { w.depth-- }()
	var last int16
	for {
		h, err := w.byte1()
		if err != nil {
			return err
		}
		t := h & 0x0f
		if t == tStop {
			return nil
		}
		id := last + int16(h>>4)
		if h>>4 == 0 {
			v, err := w.zigzag()
			if err != nil {
				return err
			}
			id = int16(v)
		}
		last = id
		if err := field(id, t); err != nil {
			return err
		}
	}
}

// int reads an integer field value of compact type t.
func (w *thriftWalker) int(t byte) (int64, error) {
	switch t {
	case tI16, tI32, tI64:
		return w.zigzag()
	case tByte:
		b, err := w.byte1()
		return int64(int8(b)), err
	}
	return 0, w.fail(fmt.Sprintf("want an integer, found type %d", t))
}

// checkFooter verifies the magic bytes and walks the footer, returning an error that says what
// is wrong if any declared length exceeds the bytes available.
func checkFooter(data []byte) error {
	n := len(data)
	if n == 0 {
		return fmt.Errorf("%w: the file is empty", errCorrupt)
	}
	if n < 12 {
		return fmt.Errorf("%w: %d bytes is too short for a parquet file (truncated?)", errCorrupt, n)
	}
	if string(data[:4]) != "PAR1" {
		return fmt.Errorf("%w: it does not start with the parquet magic bytes PAR1 (not a parquet file?)", errCorrupt)
	}
	switch string(data[n-4:]) {
	case "PAR1":
	case "PARE":
		return fmt.Errorf("%w: encrypted parquet files are not supported", errCorrupt)
	default:
		return fmt.Errorf("%w: it does not end with the parquet magic bytes PAR1 (truncated?)", errCorrupt)
	}
	footer := int(binary.LittleEndian.Uint32(data[n-8 : n-4]))
	if footer <= 0 || footer > n-12 {
		return fmt.Errorf("%w: footer claims %d bytes in a %d-byte file (truncated?)", errCorrupt, footer, n)
	}
	w := &thriftWalker{b: data[n-8-footer : n-8]}
	if err := w.skip(tStruct); err != nil {
		return fmt.Errorf("footer: %w", err)
	}
	return nil
}

// All pages of a file together may decompress to at most maxExpansion times the file's size
// plus expansionFloor bytes. One column of a sorted file can compress a thousandfold, but the
// whole default dataset decompresses to under 20 times its size (TestDefaultExpansion).
const (
	maxExpansion   = 1024
	expansionFloor = 1 << 20
)

// pageLimits bounds what one page may declare.
type pageLimits struct {
	maxUncompressed int64  // bytes, per page
	maxValues       int64  // values per data page (the row group's row count)
	budget          *int64 // uncompressed bytes left for the whole file
}

// checkPages walks the page headers of one column chunk and checks each declared size against
// the chunk and the limits, so that decoding cannot be made to allocate more than it should.
func checkPages(data []byte, md *format.ColumnMetaData, lim pageLimits) error {
	return checkChunkPages(data, 0, int64(len(data)), md, lim)
}

// checkChunkPages is checkPages for a file of fileSize bytes of which only bytes
// base..base+len(data) are in memory (they must hold the whole column chunk): result files are
// checked one row group at a time, never read whole.
func checkChunkPages(data []byte, base, fileSize int64, md *format.ColumnMetaData, lim pageLimits) error {
	start := md.DataPageOffset
	if md.DictionaryPageOffset > 0 && md.DictionaryPageOffset < start {
		start = md.DictionaryPageOffset
	}
	end := start + md.TotalCompressedSize
	if start < 4 || md.TotalCompressedSize < 0 || end > fileSize-8 || end < start {
		return fmt.Errorf("%w: column chunk at bytes %d..%d lies outside the file", errCorrupt, start, end)
	}
	if start < base || end > base+int64(len(data)) {
		return fmt.Errorf("%w: column chunk at bytes %d..%d lies outside the bytes read", errCorrupt, start, end)
	}
	data = data[:end-base] // chunk-relative from here on: data[p-base] is the file's byte p
	if md.TotalUncompressedSize < 0 {
		return fmt.Errorf("%w: negative uncompressed size", errCorrupt)
	}
	pos := start
	var values int64
	for pos < end {
		w := &thriftWalker{b: data[pos-base:]}
		var uncompressed, compressed, num int64 = -1, -1, 0
		var levels int64     // data page v2: uncompressed level bytes before the values
		compressedV2 := true // data page v2: whether the values are compressed
		err := w.structure(func(id int16, t byte) error {
			var err error
			switch {
			case id == 2 && t != tStruct:
				uncompressed, err = w.int(t)
			case id == 3 && t != tStruct:
				compressed, err = w.int(t)
			case (id == 5 || id == 7 || id == 8) && t == tStruct:
				err = w.structure(func(fid int16, ft byte) error {
					if id == 8 && (fid == 5 || fid == 6) && ft != tStruct {
						v, err := w.int(ft)
						if v < 0 {
							return w.fail("negative level length")
						}
						levels += v
						return err
					}
					if id == 8 && fid == 7 && (ft == tTrue || ft == tFalse) {
						compressedV2 = ft == tTrue
						return nil
					}
					if fid == 1 && ft != tStruct {
						v, err := w.int(ft)
						if err != nil {
							return err
						}
						if id != 7 {
							num += v
						}
						if v < 0 {
							return w.fail("negative value count")
						}
						return nil
					}
					return w.skip(ft)
				})
			default:
				err = w.skip(t)
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("page header: %w", err)
		}
		if compressed < 0 || uncompressed < 0 {
			return fmt.Errorf("%w: page header without sizes", errCorrupt)
		}
		pos += int64(w.pos)
		if compressed > end-pos {
			return fmt.Errorf("%w: page claims %d bytes with %d left in its column chunk (truncated?)", errCorrupt, compressed, end-pos)
		}
		if uncompressed > lim.maxUncompressed {
			return fmt.Errorf("%w: page claims %d uncompressed bytes, more than the %d allowed", errCorrupt, uncompressed, lim.maxUncompressed)
		}
		*lim.budget -= uncompressed
		if *lim.budget < 0 {
			return fmt.Errorf("%w: pages would decompress to more than %d times the file's size", errCorrupt, maxExpansion)
		}
		values += num
		if values > lim.maxValues {
			return fmt.Errorf("%w: pages hold more values (%d) than the row group has rows (%d)", errCorrupt, values, lim.maxValues)
		}
		if levels > compressed || levels > uncompressed {
			return fmt.Errorf("%w: page levels are longer than the page", errCorrupt)
		}
		codec := md.Codec
		if !compressedV2 {
			codec = format.Uncompressed
		}
		if err := verifyPayload(codec, data[pos-base+levels:pos-base+compressed], uncompressed-levels); err != nil {
			return err
		}
		pos += compressed
	}
	return nil
}

// verifyPayload checks that a page's stored bytes decompress to exactly want bytes, using
// only bounded memory, before the Parquet library decompresses them (some of its decoders grow
// their output without limit on bad input). Codecs other than none, snappy, gzip and zstd are
// refused.
func verifyPayload(codec format.CompressionCodec, payload []byte, want int64) error {
	switch codec {
	case format.Uncompressed:
		if int64(len(payload)) != want {
			return fmt.Errorf("%w: an uncompressed page holds %d bytes but declares %d", errCorrupt, len(payload), want)
		}
		return nil
	case format.Snappy:
		n, err := snappy.DecodedLen(payload)
		if err != nil || int64(n) != want {
			return fmt.Errorf("%w: a snappy page does not decode to its declared %d bytes", errCorrupt, want)
		}
		return nil
	case format.Gzip:
		r, err := gzip.NewReader(bytes.NewReader(payload))
		if err != nil {
			return fmt.Errorf("%w: a gzip page: %v", errCorrupt, err)
		}
		return countDecoded(r, want, "gzip")
	case format.Zstd:
		d, err := zstd.NewReader(bytes.NewReader(payload), zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
			// The window bounds the decoder's memory (8 MiB at most); an encoder's window may be
			// larger than a small page, so the memory cap is the window's, and LimitReader below
			// bounds the output.
			zstd.WithDecoderMaxWindow(8<<20), zstd.WithDecoderMaxMemory(max(uint64(want)+1, 8<<20)))
		if err != nil {
			return fmt.Errorf("%w: a zstd page: %v", errCorrupt, err)
		}
		defer d.Close()
		return countDecoded(d, want, "zstd")
	}
	return fmt.Errorf("%w: pages compressed with %s are not supported; write with snappy, gzip, zstd or none", errCorrupt, codec)
}

func countDecoded(r io.Reader, want int64, name string) error {
	n, err := io.Copy(io.Discard, io.LimitReader(r, want+1))
	if err != nil {
		return fmt.Errorf("%w: a %s page: %v", errCorrupt, name, err)
	}
	if n != want {
		return fmt.Errorf("%w: a %s page decodes to %d bytes, not its declared %d", errCorrupt, name, n, want)
	}
	return nil
}
