package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
)

// addRecTargets adds the recommendation endpoints, cold (random anime and
// users), when the server answers them: a warehouse without recommendations
// answers 503, and the routes are left out with a note.
func addRecTargets(ctx context.Context, client *http.Client, base string, mix []target, notes []string, ids []int64, users int64) ([]target, []string) {
	limits := []int{10, 20}
	if answers(ctx, client, fmt.Sprintf("%s/api/v1/anime/%d/similar", base, ids[0])) {
		mix = append(mix, target{route: "similar", weight: 10, next: func(r *rand.Rand) string {
			return fmt.Sprintf("/api/v1/anime/%d/similar?limit=%d", ids[r.IntN(len(ids))], limits[r.IntN(len(limits))])
		}})
	} else {
		notes = append(notes, "the server publishes no similar anime: /anime/{id}/similar left out")
	}
	switch {
	case users <= 0:
		notes = append(notes, "no -users: /users/{id}/recommendations left out")
	case answers(ctx, client, base+"/api/v1/users/0/recommendations"):
		mix = append(mix, target{route: "recommendations", weight: 10, next: func(r *rand.Rand) string {
			return fmt.Sprintf("/api/v1/users/%d/recommendations?limit=%d", r.Int64N(users+1), limits[r.IntN(len(limits))])
		}})
	default:
		notes = append(notes, "the server publishes no recommendations: /users/{id}/recommendations left out")
	}
	return mix, notes
}

// answers reports whether GET u answers 200.
func answers(ctx context.Context, client *http.Client, u string) bool {
	var v map[string]any
	return getJSON(ctx, client, u, &v) == nil
}

// onlyRoutes keeps the routes named (comma-separated); "" keeps all.
func onlyRoutes(mix []target, only string) ([]target, error) {
	if only == "" {
		return mix, nil
	}
	names := strings.Split(only, ",")
	var out []target
	for _, t := range mix {
		if slices.Contains(names, t.route) {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("-only %q: no such route in the mix", only)
	}
	return out, nil
}
