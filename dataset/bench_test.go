package dataset

import (
	"bytes"
	"io"
	"strconv"
	"testing"

	"github.com/animetl/animetl"
)

// benchListRows is the size of the generated animelist of the benchmarks.
const benchListRows = 1_000_000

// genAnimeList returns an animelist.csv of n data lines in the public layout,
// every one valid, with the value mix of the real file.
func genAnimeList(n int) []byte {
	var b bytes.Buffer
	b.Grow(n * 24)
	b.WriteString("user_id,anime_id,rating,watching_status,watched_episodes\n")
	line := make([]byte, 0, 64)
	statuses := []int{1, 2, 2, 2, 3, 4, 6, 6}
	for i := range n {
		user := i / 150
		anime := 1 + (i*7919)%48000
		status := statuses[i%len(statuses)]
		rating := (i * 31) % 11
		if status == 6 {
			rating = 0
		}
		line = line[:0]
		line = strconv.AppendInt(line, int64(user), 10)
		line = append(line, ',')
		line = strconv.AppendInt(line, int64(anime), 10)
		line = append(line, ',')
		line = strconv.AppendInt(line, int64(rating), 10)
		line = append(line, ',')
		line = strconv.AppendInt(line, int64(status), 10)
		line = append(line, ',')
		line = strconv.AppendInt(line, int64(i%64), 10)
		line = append(line, '\n')
		b.Write(line)
	}
	return b.Bytes()
}

func BenchmarkDecodeAnimeList(b *testing.B) {
	data := genAnimeList(benchListRows)
	var sum int64
	emit := func(e animetl.ListEntry) error { sum += int64(e.Rating); return nil }
	reject := func(e *animetl.RowError) error { b.Fatalf("unexpected reject: %v", e); return nil }
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		res, err := DecodeAnimeList(bytes.NewReader(data), animetl.FileAnimeList, emit, reject)
		if err != nil {
			b.Fatal(err)
		}
		if res.Rows != benchListRows {
			b.Fatalf("rows = %d, want %d", res.Rows, benchListRows)
		}
	}
	b.ReportMetric(float64(b.N)*benchListRows/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/(float64(b.N)*benchListRows), "ns/row")
	_ = sum
}

func BenchmarkReader(b *testing.B) {
	data := genAnimeList(benchListRows)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rd := NewReader(bytes.NewReader(data))
		n := 0
		for {
			rec, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n += len(rec.Fields)
		}
		if n != (benchListRows+1)*5 {
			b.Fatalf("fields = %d", n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/(float64(b.N)*(benchListRows+1)), "ns/row")
}

// BenchmarkDecodeAnime decodes a catalogue of the real file's size. Rows
// allocate (pointer fields, lists, the repeat map); this tracks how much.
func BenchmarkDecodeAnime(b *testing.B) {
	const n = 17562
	var buf bytes.Buffer
	buf.WriteString(animeHeader(false) + "\n")
	for i := range n {
		buf.WriteString(animeLine(-1, map[string]string{"MAL_ID": strconv.Itoa(i + 1)}) + "\n")
	}
	data := buf.Bytes()
	emit := func(animetl.Anime) error { return nil }
	reject := func(e *animetl.RowError) error { b.Fatalf("unexpected reject: %v", e); return nil }
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeAnime(bytes.NewReader(data), animetl.FileAnime, emit, reject); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/(float64(b.N)*n), "ns/row")
}

func BenchmarkDecodeAnimeListParallel(b *testing.B) {
	data := genAnimeList(benchListRows)
	reject := func(e *animetl.RowError) error { b.Fatalf("unexpected reject: %v", e); return nil }
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		var n int64
		res, err := DecodeAnimeListParallel(bytes.NewReader(data), animetl.FileAnimeList, ListOptions{},
			func(es []animetl.ListEntry) error { n += int64(len(es)); return nil }, reject)
		if err != nil {
			b.Fatal(err)
		}
		if res.Rows != benchListRows || n != benchListRows {
			b.Fatalf("rows = %d, entries %d, want %d", res.Rows, n, benchListRows)
		}
	}
	b.ReportMetric(float64(b.N)*benchListRows/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/(float64(b.N)*benchListRows), "ns/row")
}
