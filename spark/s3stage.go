package spark

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/animetl/animetl"
)

// StageStore is the object store of an s3:// or s3a:// stage location
// (package s3's Stage). Keys are relative to the stage URI's prefix.
type StageStore interface {
	// List returns the keys under the folder dir ("" for all).
	List(ctx context.Context, dir string) ([]string, error)
	// Put writes a small object.
	Put(ctx context.Context, key string, body []byte) error
	// Download copies the objects keys to the local files paths.
	Download(ctx context.Context, keys, paths []string) error
	// Delete removes the keys.
	Delete(ctx context.Context, keys []string) error
}

// objectStage is an s3:// or s3a:// stage location.
type objectStage struct {
	scheme, bucket, prefix string // prefix: "" or ending with a slash
}

// parseObjectStage parses an s3:// or s3a:// stage URI; ok is false for
// any other scheme.
func parseObjectStage(stage string) (objectStage, bool, error) {
	u, err := url.Parse(stage)
	if err != nil || u.Scheme != "s3" && u.Scheme != "s3a" {
		return objectStage{}, false, nil
	}
	if u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return objectStage{}, true, fmt.Errorf("spark: stage %s: want %s://BUCKET/PREFIX: %w", animetl.Excerpt(stage), u.Scheme, animetl.ErrConfig)
	}
	prefix := strings.TrimPrefix(u.Path, "/")
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	for _, seg := range strings.Split(strings.TrimSuffix(prefix, "/"), "/") {
		if prefix != "" && (seg == "" || seg == "." || seg == "..") {
			return objectStage{}, true, fmt.Errorf("spark: stage %s: an empty, . or .. folder in the prefix: %w", animetl.Excerpt(stage), animetl.ErrConfig)
		}
	}
	return objectStage{scheme: u.Scheme, bucket: u.Host, prefix: prefix}, true, nil
}

// storeURL is the s3://bucket/prefix URL of the stage's objects, whatever
// scheme Spark writes them with.
func (s objectStage) storeURL() string { return "s3://" + s.bucket + "/" + s.prefix }

// runURI is the URI of a run's folder, as Spark writes it.
func (s objectStage) runURI(runID string) string {
	return s.scheme + "://" + s.bucket + "/" + s.prefix + runID
}

// CheckStage validates a stage URI without touching it: file:///PATH or an
// absolute PATH (StagePath), or s3://BUCKET/PREFIX or s3a://BUCKET/PREFIX
// (an object store, Engine.OpenStore). Errors wrap animetl.ErrConfig.
func CheckStage(stage string) error {
	if _, ok, err := parseObjectStage(stage); ok {
		return err
	}
	_, err := StagePath(stage)
	return err
}

// location is the URI a job of the run writes its Parquet to: a folder
// of the run's local folder, or of its object-store folder.
func (o *output) location(name string) string {
	if o.uri != "" {
		return o.uri + "/" + name
	}
	return fileURI(filepath.Join(o.dir, name))
}

// transformObject is Transform on an object-store stage: Spark writes the
// run's Parquet under PREFIX/RUN_ID/; once its jobs are done, animetl
// downloads that folder to a local temporary one, which the reader takes
// as it takes a file:// stage, and deletes it from the store. Folders
// earlier runs left are deleted first.
func (e *Engine) transformObject(ctx context.Context, runID string, files []animetl.ListFile, st objectStage) (animetl.ListOutput, error) {
	if e.OpenStore == nil {
		return nil, fmt.Errorf("spark: stage %s: no object store configured: %w", st.storeURL(), animetl.ErrConfig)
	}
	store, err := e.OpenStore(ctx, st.storeURL())
	if err != nil {
		return nil, fmt.Errorf("spark: stage: %w", err)
	}
	if err := removeObjectLeftovers(ctx, store); err != nil {
		return nil, fmt.Errorf("spark: stage: %w", err)
	}
	if err := store.Put(ctx, runID+"/"+stageMark, []byte(runID+"\n")); err != nil {
		return nil, fmt.Errorf("spark: stage: %w", err)
	}
	dir, err := os.MkdirTemp("", "animetl-spark-stage-")
	if err != nil {
		_ = removeObjectFolders(context.WithoutCancel(ctx), store, func(f string) bool { return f == runID })
		return nil, fmt.Errorf("spark: stage: %w", err)
	}
	out := &output{dir: dir, uri: st.runURI(runID), files: map[int16]animetl.ListFile{}, cats: map[int16][]catCol{}}
	err = e.transform(ctx, runID, files, out)
	if err == nil {
		err = collectStage(ctx, store, runID, dir, e.Log)
	} else {
		_ = removeObjectFolders(context.WithoutCancel(ctx), store, func(f string) bool { return f == runID })
	}
	if err != nil {
		_ = out.Close()
		return nil, err
	}
	return out, nil
}

// collectStage downloads the run's folder of an object-store stage to
// the local folder dir, then deletes it from the store. A failed delete
// is logged, not returned: the run has its Parquet, and the next run
// deletes what is left.
func collectStage(ctx context.Context, store StageStore, runID, dir string, log *slog.Logger) error {
	keys, err := store.List(ctx, runID+"/")
	if err != nil {
		return fmt.Errorf("spark: stage: %w", err)
	}
	var get, paths []string
	for _, k := range keys {
		rel := strings.TrimPrefix(k, runID+"/")
		if rel == "" || strings.HasSuffix(rel, "/") || strings.HasSuffix(rel, folderMarker) || rel == stageMark {
			continue // folder markers (EMRFS's, consoles') and the mark
		}
		if !filepath.IsLocal(filepath.FromSlash(rel)) {
			return fmt.Errorf("spark: stage: key %s is not a path under the run's folder", animetl.Excerpt(k))
		}
		get, paths = append(get, k), append(paths, filepath.Join(dir, filepath.FromSlash(rel)))
	}
	if err := store.Download(ctx, get, paths); err != nil {
		return fmt.Errorf("spark: stage: %w", err)
	}
	if err := removeObjectFolders(ctx, store, func(f string) bool { return f == runID }); err != nil && log != nil {
		log.Warn("engine stage not removed", animetl.LogError, err)
	}
	return nil
}

// folderMarker ends the empty objects EMRFS writes to stand for folders
// (PREFIX/RUN_ID_$folder$).
const folderMarker = "_$folder$"

// removeObjectLeftovers deletes the folders of earlier runs that did not
// delete their own, as removeLeftovers does in a local stage: folders
// holding stageMark or named as a run id.
func removeObjectLeftovers(ctx context.Context, store StageStore) error {
	keys, err := store.List(ctx, "")
	if err != nil {
		return err
	}
	marked := map[string]bool{}
	for _, k := range keys {
		if folder, rest, ok := strings.Cut(k, "/"); ok && rest == stageMark {
			marked[folder] = true
		}
	}
	return deleteFolders(ctx, store, keys, func(f string) bool { return marked[f] || runFolder.MatchString(f) })
}

// removeObjectFolders deletes the top-level folders of the stage that
// drop picks.
func removeObjectFolders(ctx context.Context, store StageStore, drop func(folder string) bool) error {
	keys, err := store.List(ctx, "")
	if err != nil {
		return err
	}
	return deleteFolders(ctx, store, keys, drop)
}

// deleteFolders deletes the keys of keys in the top-level folders drop
// picks, with their folder markers; the marks go last, so that a delete
// cut short leaves a folder the next run still recognises.
func deleteFolders(ctx context.Context, store StageStore, keys []string, drop func(folder string) bool) error {
	var del, marks []string
	for _, k := range keys {
		folder, rest, ok := strings.Cut(k, "/")
		if !ok {
			folder = strings.TrimSuffix(k, folderMarker)
			if folder == k {
				continue // a file of the stage's own, not a folder
			}
		}
		if !drop(folder) {
			continue
		}
		if rest == stageMark {
			marks = append(marks, k)
		} else {
			del = append(del, k)
		}
	}
	if len(del)+len(marks) == 0 {
		return nil
	}
	if err := store.Delete(ctx, del); err != nil {
		return err
	}
	return store.Delete(ctx, marks)
}
