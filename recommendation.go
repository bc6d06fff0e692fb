package animetl

import "time"

// UserRec is one row of rec_user: an anime the user has not listed, with the
// model's score; rank 1 is the best. A run keeps the top 20 per user.
type UserRec struct {
	UserID  int32
	AnimeID int32
	Score   float32
	Rank    int16
}

// SimilarRec is one row of rec_similar: an anime like AnimeID, with the
// model's similarity; rank 1 is the most alike.
type SimilarRec struct {
	AnimeID   int32
	SimilarID int32
	Score     float32
	Rank      int16
}

// The recommendation tables a run can refill.
const (
	RecUserTable    = "rec_user"
	RecSimilarTable = "rec_similar"
)

// RecModel is one row of rec_model: which model filled a recommendation
// table, in which run, and on how much data. It travels with the table it
// describes: a run that carries a table over keeps its row.
type RecModel struct {
	// Table is RecUserTable or RecSimilarTable.
	Table string
	// Model names the model ("popularity", "itemknn", "als").
	Model     string
	RunID     string
	TrainedAt time.Time
	// Params are the model's settings as a JSON object.
	Params string
	// Users, Items and Entries measure the matrix the model was fitted on.
	Users   int32
	Items   int32
	Entries int64
	// TrainSeconds is the time the fit took.
	TrainSeconds float64
}
