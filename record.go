// Package animetl holds the domain of the animetl pipeline: the typed records the
// four source files clean into, the Source and Warehouse interfaces that
// adapters implement, the run summary contract and the errors callers inspect.
// It imports only the standard library; adapters live in packages named after
// their technology (local, postgres, duckdb) and cmd/animetl wires them.
package animetl

import "time"

// The four source files, by their canonical names.
const (
	FileAnime          = "anime.csv"
	FileAnimeList      = "animelist.csv"
	FileWatchingStatus = "watching_status.csv"
	FileSynopsis       = "anime_with_synopsis.csv"
)

// BaseFiles lists the four source files in the order a run loads them: lookups
// and the catalogue first, the big fact file last.
var BaseFiles = []string{FileWatchingStatus, FileAnime, FileSynopsis, FileAnimeList}

// Kind says which of the four layouts a file has.
type Kind int

// The file kinds. Delta files of user lists have KindAnimeList.
const (
	KindUnknown Kind = iota
	KindAnime
	KindAnimeList
	KindWatchingStatus
	KindSynopsis
	// KindListDelete is a daily file of list entries removed from users'
	// lists: animelist/date=YYYY-MM-DD/deletes/*.csv with user_id, anime_id.
	KindListDelete
)

// String returns the canonical file name of the kind.
func (k Kind) String() string {
	switch k {
	case KindAnime:
		return FileAnime
	case KindAnimeList:
		return FileAnimeList
	case KindWatchingStatus:
		return FileWatchingStatus
	case KindSynopsis:
		return FileSynopsis
	case KindListDelete:
		return "animelist_deletes"
	}
	return "unknown"
}

// Anime is one cleaned row of anime.csv. Pointer fields are nil where the
// source says "Unknown": missing is NULL in the warehouse, never zero.
type Anime struct {
	ID              int32
	Name            *string
	EnglishName     *string
	JapaneseName    *string
	Type            *string
	Episodes        *int32
	AiredRaw        *string
	AiredFrom       *time.Time
	AiredTo         *time.Time
	PremieredSeason *string
	PremieredYear   *int16
	Source          *string
	DurationMinutes *float64 // per episode; 30 sec. is 0.5
	AgeRating       *string
	Score           *Score
	Ranked          *int32
	Popularity      *int32
	Members         *int32
	Favorites       *int32
	Watching        *int32
	Completed       *int32
	OnHold          *int32
	Dropped         *int32
	PlanToWatch     *int32
	Genres          []string
	Producers       []string
	Licensors       []string
	Studios         []string
	// Votes holds the Score-10 … Score-1 counts: Votes[i] is the count for
	// score i+1, nil where the source says Unknown.
	Votes [10]*int32
	// Line is the physical line of the source file the row starts on.
	Line int64
}

// Score is a catalogue score in hundredths (8.78 is 878), exact as the source
// writes it; the warehouse stores it as DECIMAL(4,2).
type Score int16

// Float returns the score as a float64.
func (s Score) Float() float64 { return float64(s) / 100 }

// ListEntry is one cleaned row of animelist.csv (or of a delta file of that
// layout): one anime on one user's list.
type ListEntry struct {
	UserID  int32
	AnimeID int32
	Status  int16
	// Rating is the user's rating 1-10, or 0 when the user gave none; the
	// warehouse stores 0 as NULL.
	Rating   int16
	Episodes int32
	// Line is the physical line of the source file the entry starts on.
	Line int64
}

// ListDelete is one line of a deletes file: an entry removed from a list.
type ListDelete struct {
	UserID  int32
	AnimeID int32
	Line    int64
}

// WatchingStatus is one row of watching_status.csv.
type WatchingStatus struct {
	Status      int16
	Description string
	Line        int64
}

// Synopsis is one cleaned row of anime_with_synopsis.csv. Text is nil for an
// empty synopsis or a placeholder that says none was written.
type Synopsis struct {
	AnimeID int32
	Name    *string
	Text    *string
	Line    int64
}
