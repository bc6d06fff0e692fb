package recommend

// Status codes of watching_status.csv.
const (
	StatusWatching    = 1
	StatusCompleted   = 2
	StatusOnHold      = 3
	StatusDropped     = 4
	StatusPlanToWatch = 6
)

// DefaultWeight is the confidence of an interaction: a base per status
// (completed 1, watching 0.8, on hold 0.5, plan to watch 0.4, dropped 0.1,
// codes the lookup does not define 0.3), scaled by the rating when there is
// one (rating/7: a 7, the list's most common score, keeps the base; a 10
// raises it by 43%, a 1 cuts it to a seventh). Item-kNN uses it as the
// matrix's values; ALS as the confidence 1 + alpha·weight. Every listed
// anime keeps a positive weight, dropped ones included: they were seen.
func DefaultWeight(in Interaction) float32 {
	var w float32
	switch in.Status {
	case StatusCompleted:
		w = 1
	case StatusWatching:
		w = 0.8
	case StatusOnHold:
		w = 0.5
	case StatusPlanToWatch:
		w = 0.4
	case StatusDropped:
		w = 0.1
	default:
		w = 0.3
	}
	if in.Rating > 0 {
		w *= float32(in.Rating) / 7
	}
	return w
}
