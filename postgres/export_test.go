package postgres

import "github.com/animetl/animetl"

// EarlyAnswers is how many queries a stage answered from the checks'
// queries its Finalize ran early (early.go).
func EarlyAnswers(st animetl.Stage) int { return st.(*stage).earlyAnswers }
