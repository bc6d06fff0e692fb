package main

import (
	"io"
	"os"
	"strings"
	"sync"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/animetl/animetl/pipeline"
)

// progress draws a bar on stderr for the list files, the big ones.
type progress struct {
	w       io.Writer
	enabled bool
	mu      sync.Mutex
	bar     *progressbar.ProgressBar
	file    string
}

func newProgress(w io.Writer, mode string) (*progress, error) {
	p := &progress{w: w}
	switch mode {
	case "always":
		p.enabled = true
	case "never":
	case "auto", "":
		if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			p.enabled = true
		}
	default:
		return nil, usagef("progress %q: want auto, always or never", mode)
	}
	return p, nil
}

// update is the pipeline's progress callback.
func (p *progress) update(ev pipeline.Progress) {
	if !p.enabled || !strings.HasPrefix(ev.File, "animelist") {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.file != ev.File {
		p.finishLocked()
		p.file = ev.File
		p.bar = progressbar.NewOptions64(ev.Size,
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription(ev.File),
			progressbar.OptionShowBytes(true),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100_000_000),
			progressbar.OptionClearOnFinish(),
		)
	}
	_ = p.bar.Set64(ev.Bytes)
	if ev.Done {
		p.finishLocked()
	}
}

func (p *progress) finishLocked() {
	if p.bar != nil {
		_ = p.bar.Finish()
		p.bar = nil
		p.file = ""
	}
}

func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.finishLocked()
}
