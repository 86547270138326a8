package synthcache

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// skipDirs are directory names never hashed as inputs of the app, at any
// depth: version control and npm dependencies (the CDK CLI and Node; Node
// is keyed by its binary). Neither holds Go code the go command builds.
var skipDirs = map[string]bool{".git": true, "node_modules": true}

// skipTopDirs are skipped only directly under the tree's root: the outputs
// of make and the CDK (make's bin/ and .build/, cloud assemblies in
// cdk.out/). Deeper down these are ordinary names (internal/bin can be a Go
// package a function imports), so they are hashed there.
var skipTopDirs = map[string]bool{"cdk.out": true, ".build": true, "bin": true}

// hasher writes labelled values into a SHA-256.
type hasher struct {
	h    hash.Hash
	seen map[string]bool // directories hashed through symlinks (resolved paths)
	err  error           // the first error of optionalFile
}

func newHasher(label string) *hasher {
	h := &hasher{h: sha256.New()}
	h.str("label", label)
	return h
}

// str adds a name and a value, both length-prefixed so no two sequences of
// values hash alike.
func (h *hasher) str(name, value string) {
	fmt.Fprintf(h.h, "%d:%s=%d:%s\n", len(name), name, len(value), value)
}

func (h *hasher) sum() string { return hex.EncodeToString(h.h.Sum(nil)) }

// fileDigest returns the hex SHA-256 of the file at path (the module's
// files are small: read whole).
func fileDigest(path string) (string, error) {
	data, err := os.ReadFile(path)
	return digest(data), err
}

// optionalFile adds the content digest of path to h, or "absent"; an error
// reading it is kept in h.err.
func (h *hasher) optionalFile(name, path string) {
	d, err := fileDigest(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		h.str(name, "absent")
	case err != nil:
		h.err = cmp.Or(h.err, err)
	default:
		h.str(name, d)
	}
}

// entry adds one symlink under rel: its target, followed: a file's
// contents, or every file of a directory (a package linked into the module
// from elsewhere is an input like any other), each directory once.
func (h *hasher) entry(p, rel string, skipAbs map[string]bool) error {
	target, err := os.Readlink(p)
	if err != nil {
		return err
	}
	h.str("symlink "+rel, target)
	fi, err := os.Stat(p)
	if err != nil {
		return nil // dangling: the target string is all there is
	}
	switch {
	case fi.Mode().IsRegular():
		d, err := fileDigest(p)
		if err != nil {
			return err
		}
		h.str("target "+rel, d)
	case fi.IsDir():
		real, err := filepath.EvalSymlinks(p)
		if err != nil {
			return err
		}
		if h.seen == nil {
			h.seen = map[string]bool{}
		}
		if h.seen[real] {
			h.str("target "+rel, "already hashed: "+real)
			return nil
		}
		h.seen[real] = true
		return h.tree("target "+rel, real, skipAbs)
	}
	return nil
}

// tree adds every file under root (names relative to root, contents),
// skipping directories named in skipDirs, those named in skipTopDirs
// directly under root, and any directory in skipAbs. Symlinks are followed
// (entry).
func (h *hasher) tree(name, root string, skipAbs map[string]bool) error {
	h.str("tree", name)
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p != root {
				return nil // removed while walking: the key after the run tells
			}
			return err
		}
		skip := p != root && (skipDirs[d.Name()] || skipAbs[p] || (skipTopDirs[d.Name()] && filepath.Dir(p) == root))
		if d.IsDir() {
			if skip {
				return fs.SkipDir
			}
			return nil
		}
		if skip && d.Type()&fs.ModeSymlink != 0 {
			return nil // a linked node_modules or cdk.out is skipped as the folder would be
		}
		files = append(files, p)
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		h.str(name, "absent")
		return nil
	}
	if err != nil {
		return err
	}
	slices.Sort(files)
	for _, p := range files {
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			h.str("gone "+rel, "")
			continue
		}
		if err != nil {
			return err
		}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			if err := h.entry(p, rel, skipAbs); err != nil {
				return err
			}
		case fi.Mode().IsRegular():
			d, err := fileDigest(p)
			if errors.Is(err, fs.ErrNotExist) {
				h.str("gone "+rel, "")
				continue
			}
			if err != nil {
				return err
			}
			// The executable bit can decide what a build does (scripts).
			h.str("file "+rel, fmt.Sprintf("%s %o", d, fi.Mode().Perm()&0o111))
		default:
			h.str("other "+rel, fi.Mode().Type().String())
		}
	}
	return nil
}

// under reports whether p is dir or inside it (both clean and absolute).
func under(p, dir string) bool {
	return p == dir || strings.HasPrefix(p, dir+string(filepath.Separator))
}

// digest returns the hex SHA-256 of data.
func digest(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
