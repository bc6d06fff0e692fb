package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
)

// buildMix asks the server for what the cold requests need (runs and their
// rejects) and returns the weighted mix, with notes on what it left out.
func buildMix(ctx context.Context, client *http.Client, base string, ids []int64, terms []string) ([]target, []string, error) {
	var notes []string
	var runs struct {
		Items []struct {
			RunID string `json:"run_id"`
		} `json:"items"`
	}
	if err := getJSON(ctx, client, base+"/api/v1/runs?limit=50", &runs); err != nil {
		return nil, nil, err
	}
	var runIDs []string
	var rejectRuns []string
	var rejectTotals []int
	for _, r := range runs.Items {
		runIDs = append(runIDs, r.RunID)
		var rej struct {
			Total int `json:"total"`
		}
		if err := getJSON(ctx, client, base+"/api/v1/runs/"+url.PathEscape(r.RunID)+"/rejects?limit=1", &rej); err != nil {
			return nil, nil, err
		}
		if rej.Total > 0 {
			rejectRuns, rejectTotals = append(rejectRuns, r.RunID), append(rejectTotals, rej.Total)
		}
	}
	if len(runIDs) == 0 {
		return nil, nil, fmt.Errorf("%s: no runs in the ledger; publish first", base)
	}
	limits := []int{10, 20, 50}
	mix := []target{
		// Hot: the same few answers, what a dashboard's visitors ask most.
		{route: "top-rated", weight: 20, hot: true, next: func(r *rand.Rand) string {
			return fmt.Sprintf("/api/v1/top-rated?limit=%d", limits[r.IntN(len(limits))])
		}},
		{route: "most-watched", weight: 15, hot: true, next: func(r *rand.Rand) string {
			return fmt.Sprintf("/api/v1/most-watched?limit=%d", limits[r.IntN(len(limits))])
		}},
		{route: "genres", weight: 10, hot: true, next: func(*rand.Rand) string { return "/api/v1/genres" }},
		{route: "freshness", weight: 10, hot: true, next: func(*rand.Rand) string { return "/api/v1/freshness" }},
		// Cold: answers nobody asked for in this published run yet.
		{route: "anime", weight: 20, next: func(r *rand.Rand) string {
			return fmt.Sprintf("/api/v1/anime/%d", ids[r.IntN(len(ids))])
		}},
		{route: "search", weight: 10, next: func(r *rand.Rand) string {
			return "/api/v1/search?limit=20&q=" + url.QueryEscape(terms[r.IntN(len(terms))])
		}},
		{route: "runs", weight: 3, next: func(r *rand.Rand) string {
			return fmt.Sprintf("/api/v1/runs?limit=%d", 1+r.IntN(50))
		}},
		{route: "run", weight: 4, next: func(r *rand.Rand) string {
			return "/api/v1/runs/" + url.PathEscape(runIDs[r.IntN(len(runIDs))])
		}},
	}
	if len(rejectRuns) > 0 {
		mix = append(mix, target{route: "rejects", weight: 3, next: func(r *rand.Rand) string {
			i := r.IntN(len(rejectRuns))
			return fmt.Sprintf("/api/v1/runs/%s/rejects?limit=100&offset=%d", url.PathEscape(rejectRuns[i]), r.IntN(rejectTotals[i]))
		}})
	} else {
		notes = append(notes, "no run has rejects: the rejects pages are left out")
	}
	if dashboard(ctx, client, base) {
		mix = append(mix, target{route: "dashboard", weight: 5, hot: true, next: func(*rand.Rand) string { return "/" }})
	} else {
		notes = append(notes, "the server has no dashboard page at / (it answers 404): left out of the mix")
	}
	return mix, notes, nil
}

// dashboard reports whether / answers an HTML page.
func dashboard(ctx context.Context, client *http.Client, base string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/", nil)
	if err != nil {
		return false
	}
	res, err := client.Do(req)
	if err != nil {
		return false
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode == http.StatusOK && strings.HasPrefix(res.Header.Get("Content-Type"), "text/html")
}

func getJSON(ctx context.Context, client *http.Client, u string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	res, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", u, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, res.Status)
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		return fmt.Errorf("GET %s: %w", u, err)
	}
	return nil
}
