package deploy

import (
	"bytes"
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// k8sObject is the part of a Kubernetes object the test reads.
type k8sObject struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Data       map[string]string `yaml:"data"`
	StringData map[string]string `yaml:"stringData"`
	Spec       struct {
		Schedule                string `yaml:"schedule"`
		TimeZone                string `yaml:"timeZone"`
		ConcurrencyPolicy       string `yaml:"concurrencyPolicy"`
		StartingDeadlineSeconds *int   `yaml:"startingDeadlineSeconds"`
		JobTemplate             struct {
			Spec struct {
				BackoffLimit          *int `yaml:"backoffLimit"`
				ActiveDeadlineSeconds *int `yaml:"activeDeadlineSeconds"`
				PodFailurePolicy      struct {
					Rules []struct {
						Action      string `yaml:"action"`
						OnExitCodes *struct {
							ContainerName string `yaml:"containerName"`
							Operator      string `yaml:"operator"`
							Values        []int  `yaml:"values"`
						} `yaml:"onExitCodes"`
					} `yaml:"rules"`
				} `yaml:"podFailurePolicy"`
				Template struct {
					Spec k8sPodSpec `yaml:"spec"`
				} `yaml:"template"`
			} `yaml:"spec"`
		} `yaml:"jobTemplate"`
	} `yaml:"spec"`
}

type k8sPodSpec struct {
	RestartPolicy   string `yaml:"restartPolicy"`
	SecurityContext struct {
		RunAsNonRoot *bool `yaml:"runAsNonRoot"`
		RunAsUser    *int  `yaml:"runAsUser"`
	} `yaml:"securityContext"`
	Containers []struct {
		Name    string   `yaml:"name"`
		Args    []string `yaml:"args"`
		EnvFrom []struct {
			ConfigMapRef *struct {
				Name string `yaml:"name"`
			} `yaml:"configMapRef"`
			SecretRef *struct {
				Name string `yaml:"name"`
			} `yaml:"secretRef"`
		} `yaml:"envFrom"`
		Resources struct {
			Requests map[string]string `yaml:"requests"`
			Limits   map[string]string `yaml:"limits"`
		} `yaml:"resources"`
		SecurityContext struct {
			AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
			ReadOnlyRootFilesystem   *bool `yaml:"readOnlyRootFilesystem"`
			Capabilities             struct {
				Drop []string `yaml:"drop"`
			} `yaml:"capabilities"`
		} `yaml:"securityContext"`
		VolumeMounts []struct {
			Name      string `yaml:"name"`
			MountPath string `yaml:"mountPath"`
		} `yaml:"volumeMounts"`
	} `yaml:"containers"`
	Volumes []struct {
		Name                  string `yaml:"name"`
		PersistentVolumeClaim *struct {
			ClaimName string `yaml:"claimName"`
		} `yaml:"persistentVolumeClaim"`
	} `yaml:"volumes"`
}

// TestKubernetesCronJob parses deploy/kubernetes/cronjob.yaml and checks the
// fields that make it a daily refresh that cannot overlap, retries what can
// pass and not configuration errors, and runs unprivileged on a read-only
// root with its settings, and its DuckDB file, from objects the file defines.
func TestKubernetesCronJob(t *testing.T) {
	b, err := os.ReadFile("kubernetes/cronjob.yaml")
	if err != nil {
		t.Fatal(err)
	}
	objects := map[string]k8sObject{}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(false)
	for {
		var o k8sObject
		if err := dec.Decode(&o); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("cronjob.yaml: %v", err)
		}
		if o.APIVersion == "" || o.Kind == "" || o.Metadata.Name == "" {
			t.Fatalf("cronjob.yaml: an object without apiVersion, kind or name: %+v", o)
		}
		objects[o.Kind+"/"+o.Metadata.Name] = o
	}
	cj, ok := objects["CronJob/animetl-daily"]
	if !ok || cj.APIVersion != "batch/v1" {
		t.Fatalf("no batch/v1 CronJob animetl-daily in %v", keys(objects))
	}
	s := cj.Spec
	if s.Schedule != "0 5 * * *" {
		t.Errorf("schedule %q, want 0 5 * * *", s.Schedule)
	}
	if _, err := time.LoadLocation(s.TimeZone); s.TimeZone == "" || err != nil {
		t.Errorf("timeZone %q: want an IANA zone (%v)", s.TimeZone, err)
	}
	if s.ConcurrencyPolicy != "Forbid" {
		t.Errorf("concurrencyPolicy %q, want Forbid", s.ConcurrencyPolicy)
	}
	if d := s.StartingDeadlineSeconds; d == nil || *d <= 0 || *d > 2*3600 {
		t.Errorf("startingDeadlineSeconds %v, want set, at most the 2 hours to the deadline", d)
	}
	job := s.JobTemplate.Spec
	if job.BackoffLimit == nil || *job.BackoffLimit < 1 {
		t.Errorf("backoffLimit %v, want retries", job.BackoffLimit)
	}
	if d := job.ActiveDeadlineSeconds; d == nil || *d > 2*3600 {
		t.Errorf("activeDeadlineSeconds %v, want the Job over by the deadline", d)
	}
	failsOn2 := false
	for _, r := range job.PodFailurePolicy.Rules {
		if e := r.OnExitCodes; r.Action == "FailJob" && e != nil && e.Operator == "In" && slices.Contains(e.Values, 2) {
			failsOn2 = true
		}
	}
	if !failsOn2 {
		t.Errorf("podFailurePolicy does not fail the Job at once on exit 2 (configuration)")
	}

	pod := job.Template.Spec
	if pod.RestartPolicy != "Never" {
		t.Errorf("restartPolicy %q, want Never (podFailurePolicy needs it)", pod.RestartPolicy)
	}
	if p := pod.SecurityContext.RunAsNonRoot; p == nil || !*p {
		t.Errorf("pod securityContext.runAsNonRoot is not true")
	}
	if u := pod.SecurityContext.RunAsUser; u == nil || *u == 0 {
		t.Errorf("pod securityContext.runAsUser %v, want a non-root uid", u)
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(pod.Containers))
	}
	c := pod.Containers[0]
	if got := strings.Join(c.Args, " "); !strings.HasPrefix(got, "run --mode incremental") || !strings.Contains(got, "--json") {
		t.Errorf("args %q, want run --mode incremental ... --json", got)
	}
	sc := c.SecurityContext
	if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		!slices.Contains(sc.Capabilities.Drop, "ALL") {
		t.Errorf("container securityContext %+v: want a read-only root, no privilege escalation, every capability dropped", sc)
	}
	if c.Resources.Requests["memory"] == "" || c.Resources.Limits["memory"] == "" || c.Resources.Requests["cpu"] == "" {
		t.Errorf("resources %+v: want cpu and memory requests and a memory limit", c.Resources)
	}

	// Settings from a ConfigMap and a Secret the file defines.
	settings := map[string]string{}
	for _, ef := range c.EnvFrom {
		var obj k8sObject
		switch {
		case ef.ConfigMapRef != nil:
			obj, ok = objects["ConfigMap/"+ef.ConfigMapRef.Name]
			maps(settings, obj.Data)
		case ef.SecretRef != nil:
			obj, ok = objects["Secret/"+ef.SecretRef.Name]
			maps(settings, obj.StringData)
		}
		if !ok {
			t.Errorf("envFrom %+v names an object the file does not define", ef)
		}
	}
	for _, k := range []string{"ANIMETL_SOURCE", "ANIMETL_WAREHOUSE"} {
		if settings[k] == "" {
			t.Errorf("%s is set by neither the ConfigMap nor the Secret", k)
		}
	}
	// A DuckDB file lives on the claim, the only writable place besides /tmp.
	if path, ok := strings.CutPrefix(settings["ANIMETL_WAREHOUSE"], "duckdb:"); ok {
		claimed := false
		for _, m := range c.VolumeMounts {
			for _, v := range pod.Volumes {
				if v.Name == m.Name && v.PersistentVolumeClaim != nil && strings.HasPrefix(path, m.MountPath+"/") {
					_, claimed = objects["PersistentVolumeClaim/"+v.PersistentVolumeClaim.ClaimName]
				}
			}
		}
		if !claimed {
			t.Errorf("ANIMETL_WAREHOUSE %q is not on a PersistentVolumeClaim the file defines", settings["ANIMETL_WAREHOUSE"])
		}
	}
}

func maps(dst, src map[string]string) {
	for k, v := range src {
		dst[k] = v
	}
}

func keys(m map[string]k8sObject) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
