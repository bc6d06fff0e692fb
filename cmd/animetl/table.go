package main

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// table renders aligned text columns; numbers align right.
type table struct {
	head  []string
	rows  [][]string
	right []bool
}

func newTable(head ...string) *table {
	return &table{head: head, right: make([]bool, len(head))}
}

func (t *table) row(cells ...any) {
	r := make([]string, len(cells))
	for i, c := range cells {
		switch v := c.(type) {
		case int64, int, int32, float64:
			t.right[i] = true
			r[i] = formatCell(v)
		default:
			r[i] = formatCell(v)
		}
	}
	t.rows = append(t.rows, r)
}

func (t *table) write(w io.Writer) {
	width := make([]int, len(t.head))
	for i, h := range t.head {
		width[i] = utf8.RuneCountInString(h)
	}
	for _, r := range t.rows {
		for i, c := range r {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	line := func(cells []string) {
		parts := make([]string, len(cells))
		for i, c := range cells {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			if t.right[i] {
				parts[i] = pad + c
			} else {
				parts[i] = c + pad
			}
		}
		fmt.Fprintln(w, strings.TrimRight(strings.Join(parts, "  "), " "))
	}
	line(t.head)
	sep := make([]string, len(width))
	for i, n := range width {
		sep[i] = strings.Repeat("-", n)
	}
	line(sep)
	for _, r := range t.rows {
		line(r)
	}
}
