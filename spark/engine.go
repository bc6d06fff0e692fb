package spark

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/dataset"
)

// Engine is the Spark list engine (animetl.ListEngine): it sends the
// embedded Spark SQL to a Spark Connect server, which reads the list files
// where they are and writes its output as Parquet to a folder of the stage
// location; Read streams that Parquet back (ingest.go).
type Engine struct {
	// Remote is the server, sc://HOST:PORT.
	Remote string
	// Stage is where the runs' Parquet goes: file:///PATH or an absolute
	// path, on storage both Spark's executors and animetl can reach, or
	// s3://BUCKET/PREFIX or s3a://BUCKET/PREFIX, which Spark writes and
	// animetl downloads (s3stage.go). Each run writes to a folder of its
	// own, removed after the run; folders a killed run left are removed
	// by the next run.
	Stage string
	// OpenStore opens the object store of an s3:// or s3a:// Stage, given
	// as s3://BUCKET/PREFIX.
	OpenStore func(ctx context.Context, url string) (StageStore, error)
	// DialTimeout bounds the wait for the server's port.
	DialTimeout time.Duration
	// Conf is Spark configuration set in the run's session, such as
	// spark.sql.files.maxPartitionBytes.
	Conf map[string]string
	// Locate gives the URI Spark reads a source file from (file:///...);
	// false when Spark cannot read it.
	Locate func(animetl.FileInfo) (string, bool)
	// LocalCatalogue leaves the catalogue files (anime.csv,
	// anime_with_synopsis.csv, watching_status.csv) to the Go decoders.
	LocalCatalogue bool
	// Log, when set, gets a line as each Spark job starts and ends, with
	// its duration (progress.go).
	Log *slog.Logger
}

var _ animetl.CatalogueEngine = (*Engine)(nil)

// DefaultDialTimeout is the default Engine.DialTimeout.
const DefaultDialTimeout = 10 * time.Second

// stageMark marks a run's stage folder as animetl's, so that only such
// folders are ever removed.
const stageMark = "_animetl_stage"

// Name implements animetl.ListEngine.
func (e *Engine) Name() string { return "spark" }

// CleansCatalogue implements animetl.CatalogueEngine: the catalogue files
// are cleaned on Spark too, unless LocalCatalogue is set.
func (e *Engine) CleansCatalogue() bool { return !e.LocalCatalogue }

// StagePath returns the local folder of a stage URI: file:///PATH or an
// absolute PATH. s3:// and s3a:// stages are object stores (s3stage.go).
func StagePath(stage string) (string, error) {
	p := stage
	if strings.Contains(stage, "://") {
		u, err := url.Parse(stage)
		if err != nil || u.Scheme != "file" || (u.Host != "" && u.Host != "localhost") {
			return "", fmt.Errorf("spark: stage %s: want file:///PATH or an absolute path: %w", animetl.Excerpt(stage), animetl.ErrConfig)
		}
		p = u.Path
	}
	if !filepath.IsAbs(p) {
		return "", fmt.Errorf("spark: stage %s: want an absolute path: %w", animetl.Excerpt(stage), animetl.ErrConfig)
	}
	return filepath.Clean(p), nil
}

// fileURI is the file:// URI of an absolute local path.
func fileURI(p string) string {
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(p)}).String()
}

// Transform implements animetl.ListEngine: the list files in one Spark job,
// the deletes files in another, then the blocks' line counts.
func (e *Engine) Transform(ctx context.Context, runID string, files []animetl.ListFile) (animetl.ListOutput, error) {
	if st, ok, err := parseObjectStage(e.Stage); ok {
		if err != nil {
			return nil, err
		}
		return e.transformObject(ctx, runID, files, st)
	}
	root, err := StagePath(e.Stage)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("spark: stage: %w", err)
	}
	removeLeftovers(root)
	dir := filepath.Join(root, runID)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("spark: stage: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, stageMark), []byte(runID+"\n"), 0o644); err != nil {
		return nil, fmt.Errorf("spark: stage: %w", err)
	}
	out := &output{dir: dir, files: map[int16]animetl.ListFile{}, cats: map[int16][]catCol{}}
	if err := e.transform(ctx, runID, files, out); err != nil {
		_ = out.Close()
		return nil, err
	}
	return out, nil
}

func (e *Engine) transform(ctx context.Context, runID string, files []animetl.ListFile, out *output) error {
	timeout := e.DialTimeout
	if timeout <= 0 {
		timeout = DefaultDialTimeout
	}
	s, err := Connect(ctx, e.Remote, timeout)
	if err != nil {
		return err
	}
	defer s.Close()
	for k, v := range e.Conf {
		if err := s.Exec(ctx, "SET "+k+" = "+v); err != nil {
			return fmt.Errorf("spark: set %s: %w", k, err)
		}
	}
	tag := "animetl_" + strings.NewReplacer("-", "_").Replace(strings.ToLower(runID))
	var lists, deletes []sqlFile
	var listNames, deleteNames []string
	for _, f := range files {
		locate := e.Locate
		if locate == nil {
			locate = LocalFile
		}
		uri, ok := locate(f.Load.Info)
		if !ok {
			return fmt.Errorf("spark: %s: Spark cannot read this source's files (a folder is needed)", f.Load.Info.Name)
		}
		v := fmt.Sprintf("%s_f%d", tag, f.Load.ID)
		out.files[f.Load.ID] = f
		if isCatalogue(f.Load.Kind) {
			// Read whole: a record may span lines (catalogue.sql).
			if err := s.Exec(ctx, fmt.Sprintf("CREATE OR REPLACE TEMPORARY VIEW %s USING text OPTIONS (path %s, wholetext true)",
				v, sqlString(uri))); err != nil {
				return fmt.Errorf("spark: read %s: %w", f.Load.Info.Name, err)
			}
			if err := e.cleanCatalogue(ctx, s, tag, v, f, out); err != nil {
				return err
			}
			continue
		}
		if err := s.Exec(ctx, fmt.Sprintf("CREATE OR REPLACE TEMPORARY VIEW %s USING text OPTIONS (path %s, lineSep %s)",
			v, sqlString(uri), sqlString("\n"))); err != nil {
			return fmt.Errorf("spark: read %s: %w", f.Load.Info.Name, err)
		}
		sf := sqlFile{ID: f.Load.ID, Fields: f.Fields, Pos: f.Pos, View: v}
		if f.Load.Kind == animetl.KindListDelete {
			deletes, deleteNames = append(deletes, sf), append(deleteNames, f.Load.Info.Name)
		} else {
			lists, listNames = append(lists, sf), append(listNames, f.Load.Info.Name)
		}
	}
	var written []string
	for _, job := range []struct {
		name, tmpl  string
		files       []sqlFile
		names       []string
		rules       []dataset.IntRule
		rawForClean bool
	}{
		{"lists", "lists.sql", lists, listNames, dataset.ListRules, false},
		{"deletes", "deletes.sql", deletes, deleteNames, dataset.DeleteRules, true},
	} {
		if len(job.files) == 0 {
			continue
		}
		loc := out.location(job.name)
		table := tag + "_" + job.name
		text, err := render(job.tmpl, newClassifyParams(table, loc, job.files, job.rules, job.rawForClean))
		if err != nil {
			return err
		}
		err = e.job(ctx, "clean the "+job.name, job.names, func(ctx context.Context) error { return s.Exec(ctx, text) })
		if derr := s.Exec(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+table); err == nil && derr != nil {
			err = derr
		}
		if err != nil {
			return fmt.Errorf("spark: clean the %s: %w", job.name, err)
		}
		written = append(written, loc)
		if job.name == "lists" {
			if err := countBase(ctx, s, loc, job.files, out); err != nil {
				return err
			}
		}
	}
	if len(written) == 0 {
		return nil
	}
	text, err := render("blocks.sql", struct{ Locations []string }{written})
	if err != nil {
		return err
	}
	var rows [][]any
	err = e.job(ctx, "count the lines", nil, func(ctx context.Context) (err error) {
		rows, err = s.Query(ctx, text)
		return err
	})
	if err != nil {
		return fmt.Errorf("spark: count the lines: %w", err)
	}
	for _, r := range rows {
		b, ok := blockOf(r)
		if !ok {
			return fmt.Errorf("spark: count the lines: unexpected row %v", r)
		}
		out.blocks = append(out.blocks, b)
	}
	return nil
}

// runFolder matches the name of a run's stage folder: a run id.
var runFolder = regexp.MustCompile(`^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{6}$`)

// removeLeftovers removes the stage folders of earlier runs that did not
// remove their own (a killed process): folders holding stageMark, or named
// as a run id (a Spark job still writing after its run gave up recreates
// its folder without the mark). Other entries are left alone. Runs of one
// warehouse never overlap (its run lock), so a stage location must not be
// shared by two warehouses.
func removeLeftovers(root string) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return
	}
	for _, en := range entries {
		if !en.IsDir() {
			continue
		}
		p := filepath.Join(root, en.Name())
		if _, err := os.Stat(filepath.Join(p, stageMark)); err == nil || runFolder.MatchString(en.Name()) {
			_ = os.RemoveAll(p)
		}
	}
}

// block is one input split of one file: its line count and the position
// (monotonically_increasing_id) of its first line.
type block struct {
	file            int16
	start           int64
	lines, firstMid int64
}

func blockOf(r []any) (block, bool) {
	if len(r) != 4 {
		return block{}, false
	}
	var v [4]int64
	for i, x := range r {
		n, ok := x.(int64)
		if !ok {
			return block{}, false
		}
		v[i] = n
	}
	return block{file: int16(v[0]), start: v[1], lines: v[2], firstMid: v[3]}, true
}

// LocalFile is the default Engine.Locate: a file of a local folder source,
// read by Spark through file://, which works when Spark runs on this
// machine or the folder is on storage its executors share.
func LocalFile(fi animetl.FileInfo) (string, bool) {
	if fi.Location == "" || strings.Contains(fi.Location, "://") {
		return "", false
	}
	p, err := filepath.Abs(fi.Location)
	if err != nil {
		return "", false
	}
	return fileURI(p), true
}
