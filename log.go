package animetl

// Log attribute keys, shared by every component so log lines can be grepped
// and parsed the same way everywhere.
const (
	LogRun       = "run_id"
	LogComponent = "component"
	LogFile      = "file"
	LogPhase     = "phase"
	LogRows      = "rows"
	LogDuration  = "duration"
	LogError     = "error"
	LogWarehouse = "warehouse"
	LogSource    = "source"
	LogCheck     = "check"
)
