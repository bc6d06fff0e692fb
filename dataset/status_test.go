package dataset

import (
	"reflect"
	"strings"
	"testing"

	"github.com/animetl/animetl"
)

// realWatchingStatus is watching_status.csv as published: a space before
// "description" and no final newline.
const realWatchingStatus = "status, description\n1,Currently Watching\n2,Completed\n3,On Hold\n4,Dropped\n6,Plan to Watch"

func TestDecodeWatchingStatus(t *testing.T) {
	five := []animetl.WatchingStatus{
		{Status: 1, Description: "Currently Watching", Line: 2}, {Status: 2, Description: "Completed", Line: 3},
		{Status: 3, Description: "On Hold", Line: 4}, {Status: 4, Description: "Dropped", Line: 5},
		{Status: 6, Description: "Plan to Watch", Line: 6},
	}
	type rej struct {
		line   int64
		column string
		kind   animetl.RejectKind
		reason string
	}
	tests := []struct {
		name    string
		data    string
		want    []animetl.WatchingStatus
		rejects []rej
	}{
		{"real file", realWatchingStatus, five, nil},
		{"final newline", realWatchingStatus + "\n", five, nil},
		{"CRLF", strings.ReplaceAll(realWatchingStatus, "\n", "\r\n"), five, nil},
		{"indexed", ",status, description\n0,1,Currently Watching\n1,2,Completed\n2,3,On Hold\n3,4,Dropped\n4,6,Plan to Watch", five, nil},
		{"no space in header", "status,description\n1,Currently Watching", five[:1], nil},
		{"padded description", "status, description\n1, Currently Watching  ", five[:1], nil},
		{"quoted description with comma", "status, description\n9,\"Paused, for now\"",
			[]animetl.WatchingStatus{{Status: 9, Description: "Paused, for now", Line: 2}}, nil},
		{"empty description", "status, description\n1,", nil, []rej{{2, "description", animetl.KindReject, "empty description"}}},
		{"Unknown description", "status, description\n1,Unknown", nil, []rej{{2, "description", animetl.KindReject, "empty description"}}},
		{"status not a number", "status, description\nx,Dropped", nil, []rej{{2, "status", animetl.KindReject, "not an integer"}}},
		{"status negative", "status, description\n-4,Dropped", nil, []rej{{2, "status", animetl.KindReject, "out of range"}}},
		{"too many fields", "status, description\n4,Dropped,x", nil, []rej{{2, "", animetl.KindReject, "expected 2 fields, got 3"}}},
		{"identical repeat", "status, description\n4,Dropped\n4,Dropped", []animetl.WatchingStatus{{Status: 4, Description: "Dropped", Line: 2}},
			[]rej{{3, "status", animetl.KindDuplicate, "duplicate of line 2"}}},
		{"conflicting repeat", "status, description\n4,Dropped\n4,Abandoned", []animetl.WatchingStatus{{Status: 4, Description: "Dropped", Line: 2}},
			[]rej{{3, "status", animetl.KindReject, "conflicting repeat of status 4 first seen at line 2"}}},
		{"repeat differing in padding only", "status, description\n4,Dropped\n4, Dropped ", []animetl.WatchingStatus{{Status: 4, Description: "Dropped", Line: 2}},
			[]rej{{3, "status", animetl.KindDuplicate, "duplicate"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := mustDecode(t, DecodeWatchingStatus, animetl.FileWatchingStatus, tt.data)
			if !reflect.DeepEqual(d.Rows, tt.want) {
				t.Errorf("rows %+v, want %+v", d.Rows, tt.want)
			}
			if len(d.Rejects) != len(tt.rejects) {
				t.Fatalf("rejects %+v, want %+v", d.Rejects, tt.rejects)
			}
			for i, w := range tt.rejects {
				g := d.Rejects[i]
				if g.Line != w.line || g.Column != w.column || g.Kind != w.kind || !strings.Contains(g.Reason, w.reason) || g.Raw == "" {
					t.Errorf("reject %+v, want %+v", g, w)
				}
			}
		})
	}
}
