package quality

import "github.com/animetl/animetl"

// recProfile measures the recommendation tables in one query, and the
// recommendation checks read its columns. What rec_user says about the
// lists (seen anime, unknown users) is checked only when the checked run
// ($1) trained rec_user: a run that carries the published recommendations
// over keeps them as they were trained, and the lists may have moved on
// since. Ranks and self-similarity hold whoever trained the rows.
const recProfile = `SELECT
    (SELECT count(*) FROM (SELECT user_id FROM rec_user GROUP BY user_id
     HAVING min(rank) <> 1 OR max(rank) <> count(*) OR count(DISTINCT rank) <> count(*)) g) AS user_rank_gaps,
    (SELECT count(*) FROM (SELECT anime_id FROM rec_similar GROUP BY anime_id
     HAVING min(rank) <> 1 OR max(rank) <> count(*) OR count(DISTINCT rank) <> count(*)) g) AS similar_rank_gaps,
    (SELECT count(*) FROM rec_similar WHERE similar_id = anime_id) AS self_similar`

// recListed measures what rec_user says about the lists. It runs only when
// the checked run ($1) trained rec_user (recTrained): it reads user_anime,
// which through the view is a scan of the base (0.06-0.09 s at 8M rows, a
// tenth of a 1% day), even for an empty rec_user.
const recListed = `SELECT
    (SELECT count(*) FROM rec_user r
     JOIN user_anime u ON u.user_id = r.user_id AND u.anime_id = r.anime_id) AS seen,
    (SELECT count(*) FROM (SELECT DISTINCT user_id FROM rec_user) r
     WHERE NOT EXISTS (SELECT 1 FROM user_anime u WHERE u.user_id = r.user_id)) AS unknown_users`

const recTrained = `SELECT EXISTS (SELECT 1 FROM rec_model m WHERE m.table_name = 'rec_user' AND m.run_id = $1)`

// recChecks are the checks of rec_user and rec_similar (empty tables pass).
func recChecks() []Check {
	c := func(name, description, column string) Check {
		return Check{Name: name, Description: description, Severity: animetl.SeverityError, SQL: recProfile, Column: column, Op: OpEQ, Threshold: 0}
	}
	listed := func(name, description, column string) Check {
		return Check{Name: name, Description: description, Severity: animetl.SeverityError, SQL: recListed, When: recTrained,
			Column: column, Op: OpEQ, Threshold: 0}
	}
	return []Check{
		listed("rec_user_unseen", "rec_user rows naming an anime the user already lists in user_anime (when the run trained rec_user)", "seen"),
		listed("rec_user_known_users", "users in rec_user without a list entry in user_anime (when the run trained rec_user)", "unknown_users"),
		c("rec_user_ranks_dense", "users whose rec_user ranks are not exactly 1..n", "user_rank_gaps"),
		c("rec_similar_ranks_dense", "anime whose rec_similar ranks are not exactly 1..n", "similar_rank_gaps"),
		c("rec_similar_not_self", "rec_similar rows that name the anime itself", "self_similar"),
	}
}
