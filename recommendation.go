package animetl

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
