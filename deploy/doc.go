// Package deploy holds the files that run animetl every day without a
// person: an Airflow DAG (airflow/), a systemd service and timer (systemd/)
// and a Kubernetes CronJob (kubernetes/). It has no Go code of its own; its
// tests check those files with the real tools: the DAG in real Airflow
// against both warehouses, the units with systemd-analyze verify, the
// CronJob's fields.
package deploy
