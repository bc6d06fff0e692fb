package dataset

import (
	"strings"
	"testing"

	"github.com/animetl/animetl"
)

const synopsisHeader = "MAL_ID,Name,Score,Genres,sypnopsis"

func TestDecodeSynopsis(t *testing.T) {
	const bebopText = `In the year 2071, humanity has colonized several of the planets and moons of the solar system leaving the now uninhabitable surface of planet Earth behind. The Inter Solar System Police attempts to keep peace in the galaxy, aided in part by outlaw bounty hunters, referred to as "Cowboys."`
	placeholder1 := "No synopsis information has been added to this title. Help improve our database by adding a synopsis here ."
	placeholder2 := "No synopsis has been added for this series yet. Click here to update this information."
	tests := []struct {
		name      string
		header    string
		line      string
		text      *string
		nameCol   *string
		rejectCol string
	}{
		{name: "plain", line: csvLine("1", "Cowboy Bebop", "8.78", "Action, Adventure", bebopText), text: ptr(bebopText), nameCol: ptr("Cowboy Bebop")},
		{name: "source note kept", line: csvLine("6", "Trigun", "8.24", "Action", "Vash the Stampede... (Source: ANN)"), text: ptr("Vash the Stampede... (Source: ANN)"), nameCol: ptr("Trigun")},
		{name: "doubled quotes", line: `7,Witch Hunter Robin,7.27,Action,"He said ""no"", then left."`, text: ptr(`He said "no", then left.`), nameCol: ptr("Witch Hunter Robin")},
		{name: "multi-line", line: "8,Bouken Ou Beet,6.94,Adventure,\"Line one.\n\nLine two.\"", text: ptr("Line one.\n\nLine two."), nameCol: ptr("Bouken Ou Beet")},
		{name: "empty", line: "15,Eyeshield 21,7.92,Sports,", text: nil, nameCol: ptr("Eyeshield 21")},
		{name: "empty quoted", line: `15,Eyeshield 21,7.92,Sports,""`, text: nil, nameCol: ptr("Eyeshield 21")},
		{name: "spaces only", line: `15,Eyeshield 21,7.92,Sports,"   "`, text: nil, nameCol: ptr("Eyeshield 21")},
		{name: "placeholder information", line: csvLine("16", "Hachimitsu to Clover", "8.0", "Drama", placeholder1), text: nil, nameCol: ptr("Hachimitsu to Clover")},
		{name: "placeholder series", line: csvLine("17", "Hungry Heart", "7.55", "Sports", placeholder2), text: nil, nameCol: ptr("Hungry Heart")},
		{name: "placeholder padded", line: csvLine("17", "Hungry Heart", "7.55", "Sports", "  "+placeholder2), text: nil, nameCol: ptr("Hungry Heart")},
		{name: "text about no synopsis kept", line: csvLine("18", "X", "7", "Drama", "No synopsis could describe this show."), text: ptr("No synopsis could describe this show."), nameCol: ptr("X")},
		{name: "non-ASCII", line: csvLine("19", "銀魂°", "9.0", "Comedy", "銀時 ★ (Source: Wiki)"), text: ptr("銀時 ★ (Source: Wiki)"), nameCol: ptr("銀魂°")},
		{name: "Name Unknown", line: "20,Unknown,Unknown,Unknown,Some text", text: ptr("Some text"), nameCol: nil},
		{name: "alias header", header: "MAL_ID,Name,Score,Genres,synopsis", line: "21,Naruto,7.91,Action,Ninja.", text: ptr("Ninja."), nameCol: ptr("Naruto")},
		{name: "indexed", header: "," + synopsisHeader, line: "0,22,Naruto,7.91,Action,Ninja.", text: ptr("Ninja."), nameCol: ptr("Naruto")},
		{name: "MAL_ID garbage", line: "abc,Naruto,7.91,Action,Ninja.", rejectCol: "MAL_ID"},
		{name: "MAL_ID negative", line: "-3,Naruto,7.91,Action,Ninja.", rejectCol: "MAL_ID"},
		{name: "invalid UTF-8 text", line: "23,Naruto,7.91,Action,Nin\xffja.", rejectCol: "sypnopsis"},
		{name: "invalid UTF-8 name", line: "23,Nar\xffuto,7.91,Action,Ninja.", rejectCol: "Name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header := tt.header
			if header == "" {
				header = synopsisHeader
			}
			d := mustDecode(t, DecodeSynopsis, animetl.FileSynopsis, header+"\n"+tt.line+"\n")
			if tt.rejectCol != "" {
				if len(d.Rejects) != 1 || d.Rejects[0].Column != tt.rejectCol || d.Rejects[0].Line != 2 {
					t.Errorf("rows %+v rejects %+v, want a reject in %s", d.Rows, d.Rejects, tt.rejectCol)
				}
				return
			}
			if len(d.Rows) != 1 {
				t.Fatalf("rows %+v rejects %+v", d.Rows, d.Rejects)
			}
			s := d.Rows[0]
			if deref(s.Text) != deref(tt.text) || deref(s.Name) != deref(tt.nameCol) || s.Line != 2 || s.AnimeID == 0 {
				t.Errorf("got text %q name %v line %d, want %q %v", deref(s.Text), deref(s.Name), s.Line, deref(tt.text), deref(tt.nameCol))
			}
		})
	}
}

func TestIsSynopsisPlaceholder(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"No synopsis information has been added to this title. Help improve our database by adding a synopsis here .", true},
		{"No synopsis has been added for this series yet. Click here to update this information.", true},
		{"No synopsis information has been added to this title", true},
		{"No synopsis yet.", false},
		{"", false},
		{"A story. No synopsis information has been added to this title.", false},
	}
	for _, tt := range tests {
		if got := IsSynopsisPlaceholder(tt.in); got != tt.want {
			t.Errorf("IsSynopsisPlaceholder(%q) = %v", tt.in, got)
		}
	}
}

func TestDecodeSynopsisRepeats(t *testing.T) {
	data := synopsisHeader + "\n" +
		"1,Cowboy Bebop,8.78,Action,Text one.\n" + // 2
		"1,Cowboy Bebop,8.78,Action,Text one.\n" + // 3 duplicate
		"1,Cowboy Bebop,8.78,Action,Text two.\n" + // 4 conflicting
		"1,Cowboy Bebop,9.99,Drama,Text one.\n" // 5 Score and Genres are not kept: a duplicate
	d := mustDecode(t, DecodeSynopsis, animetl.FileSynopsis, data)
	if len(d.Rows) != 1 || *d.Rows[0].Text != "Text one." {
		t.Fatalf("rows %+v", d.Rows)
	}
	kinds := []animetl.RejectKind{animetl.KindDuplicate, animetl.KindReject, animetl.KindDuplicate}
	if len(d.Rejects) != len(kinds) {
		t.Fatalf("rejects %+v", d.Rejects)
	}
	for i, r := range d.Rejects {
		if r.Kind != kinds[i] || r.Line != int64(i+3) || r.Column != "MAL_ID" || !strings.Contains(r.Reason, "line 2") {
			t.Errorf("reject %d: %+v", i, r)
		}
	}
}
