// Package docs holds the documentation's one test: every relative link of
// README.md, BENCHMARKS.md and docs/*.md resolves, to a file and, when it
// names one, to a heading's anchor (make test runs it).
package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var (
	link    = regexp.MustCompile(`!?\[[^\]]*\]\(([^)\s]+)\)`)
	heading = regexp.MustCompile(`^#{1,6}\s+(.*?)\s*#*$`)
	notSlug = regexp.MustCompile(`[^\p{L}\p{N}\s_-]`)
)

// anchors returns the anchors GitHub gives the headings of a Markdown
// file: lowercased, punctuation dropped, spaces as hyphens, "-1", "-2"...
// after repeats.
func anchors(text string) map[string]bool {
	out, seen := map[string]bool{}, map[string]int{}
	for _, line := range lines(text) {
		m := heading.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		slug := strings.ReplaceAll(notSlug.ReplaceAllString(strings.ToLower(m[1]), ""), " ", "-")
		if n := seen[slug]; n > 0 {
			out[slug+"-"+strconv.Itoa(n)] = true
		} else {
			out[slug] = true
		}
		seen[slug]++
	}
	return out
}

// lines returns the lines of text outside fenced code blocks.
func lines(text string) []string {
	var out []string
	fenced := false
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			fenced = !fenced
			continue
		}
		if !fenced {
			out = append(out, l)
		}
	}
	return out
}

func TestRelativeLinksResolve(t *testing.T) {
	pages, err := filepath.Glob("*.md")
	if err != nil {
		t.Fatal(err)
	}
	pages = append(pages, "../README.md", "../BENCHMARKS.md")
	checked := 0
	for _, page := range pages {
		b, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range lines(string(b)) {
			for _, m := range link.FindAllStringSubmatch(line, -1) {
				target := m[1]
				if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
					continue
				}
				checked++
				file, anchor, _ := strings.Cut(target, "#")
				path := page
				if file != "" {
					path = filepath.Join(filepath.Dir(page), file)
				}
				data, err := os.ReadFile(path)
				if fi, serr := os.Stat(path); serr == nil && fi.IsDir() {
					err = nil
				}
				switch {
				case err != nil:
					t.Errorf("%s: link %s: %v", page, target, err)
				case anchor != "" && !anchors(string(data))[anchor]:
					t.Errorf("%s: link %s: %s has no heading with anchor #%s", page, target, path, anchor)
				}
			}
		}
	}
	if checked < 20 {
		t.Errorf("checked %d links, want the documentation's (at least 20)", checked)
	}
}

func TestAnchors(t *testing.T) {
	got := anchors("# A title\n## Rehearse it: `make deploy-local`\n```\n# not a heading\n```\n## Again\n## Again\n")
	for _, want := range []string{"a-title", "rehearse-it-make-deploy-local", "again", "again-1"} {
		if !got[want] {
			t.Errorf("anchors: got %v, want %s among them", got, want)
		}
	}
	if got["not-a-heading"] {
		t.Error("a line in a code block became a heading")
	}
}
