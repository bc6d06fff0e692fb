package httpsrc_test

import (
	"testing"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/internal/faultproxy"
)

func TestSourceContract(t *testing.T) {
	mixed := []faultproxy.Fault{
		{Kind: faultproxy.SlowDown}, {Kind: faultproxy.Internal}, {Kind: faultproxy.Reset, After: 300_000},
		{Kind: faultproxy.Truncate, After: 700_000}, {Kind: faultproxy.Drop}, {Kind: faultproxy.Reset, After: 10},
		{Kind: faultproxy.Truncate}, {Kind: faultproxy.SlowDown},
	}
	cases := []struct {
		name   string
		mode   mode
		faults bool
	}{
		{"RangesAndStrongETags", modeRanges, false},
		{"PlainServerIgnoringRanges", modePlain, false},
		{"RangesBehindFaultyProxy", modeRanges, true},
		{"PlainServerBehindFaultyProxy", modePlain, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			contract.RunSource(t, func(t *testing.T, files map[string][]byte) animetl.Source {
				srv := newServer(t, tc.mode, files)
				base := srv.URL
				if tc.faults {
					p := faultproxy.New(t, srv.Root)
					p.Inject(faultproxy.GetsOf(animetl.FileAnimeList), mixed...)
					p.Inject(heads(animetl.FileAnime), faultproxy.Fault{Kind: faultproxy.SlowDown}, faultproxy.Fault{Kind: faultproxy.Drop})
					t.Cleanup(func() { t.Logf("faults injected: %d, pending: %d", p.Injected(), p.Pending()) })
					base = p.URL + "/data/"
				}
				return mustNew(t, base, httpsrcOptions())
			}, contract.SourceOptions{Lists: false})
		})
	}
}

// TestSourceReuse: one HTTP Source serves run after run, and runs at once;
// an older listing's FileInfo fails once its file was replaced (If-Match on
// a strong ETag, or the size when the server sends no validator).
func TestSourceReuse(t *testing.T) {
	for _, m := range []mode{modeRanges, modePlain} {
		t.Run(m.String(), func(t *testing.T) {
			contract.RunSourceReuse(t, func(t *testing.T, files map[string][]byte) (animetl.Source, contract.Put) {
				srv := newServer(t, m, files)
				return mustNew(t, srv.URL, httpsrcOptions()), func(_ *testing.T, name string, body []byte) { srv.put(name, body) }
			}, contract.ReuseOptions{Pins: true})
		})
	}
}
