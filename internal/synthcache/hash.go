package synthcache

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// skipDirs are directory names never hashed as inputs of the app: version
// control, npm dependencies (the CDK CLI and Node; Node is keyed by its
// binary), and outputs (cloud assemblies, make's bin/ and .build/).
var skipDirs = map[string]bool{".git": true, "node_modules": true, "cdk.out": true, ".build": true, "bin": true}

// hasher writes labelled values into a SHA-256.
type hasher struct{ h hash.Hash }

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

// fileDigest returns the hex SHA-256 of the file at path.
func fileDigest(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// optionalFile adds the content digest of path to h, or "absent".
func (h *hasher) optionalFile(name, path string) error {
	d, err := fileDigest(path)
	if errors.Is(err, fs.ErrNotExist) {
		h.str(name, "absent")
		return nil
	}
	if err != nil {
		return err
	}
	h.str(name, d)
	return nil
}

// sourceExts are the file extensions the go command reads in a package
// directory (Go, assembly, cgo's C, C++, Objective-C and Fortran sources
// and headers, SWIG, syso objects).
var sourceExts = map[string]bool{
	".go": true, ".s": true, ".S": true, ".sx": true, ".c": true, ".h": true, ".cc": true, ".cpp": true, ".cxx": true,
	".hh": true, ".hpp": true, ".hxx": true, ".m": true, ".f": true, ".F": true, ".for": true, ".f90": true,
	".syso": true, ".swig": true, ".swigcxx": true,
}

// dir adds the source files directly in dir (names and contents; see
// sourceExts), which is what the go command reads of a package directory;
// a missing dir is "absent". Other files (a README, an output folder) do
// not change a build.
func (h *hasher) dir(name, dir string) error {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		h.str(name, "absent")
		return nil
	}
	if err != nil {
		return err
	}
	h.str(name, "present")
	for _, e := range ents { // sorted by name
		if e.IsDir() || !sourceExts[filepath.Ext(e.Name())] {
			continue
		}
		p := filepath.Join(dir, e.Name())
		switch {
		case e.Type()&fs.ModeSymlink != 0:
			if err := h.entry(p, e.Name()); err != nil {
				return err
			}
		case e.Type().IsRegular():
			d, err := fileDigest(p)
			if err != nil {
				return err
			}
			h.str("file "+e.Name(), d)
		default:
			h.str("other "+e.Name(), e.Type().String())
		}
	}
	return nil
}

// entry adds one symlink (its target, followed when it is a file) under rel.
func (h *hasher) entry(p, rel string) error {
	target, err := os.Readlink(p)
	if err != nil {
		return err
	}
	h.str("symlink "+rel, target)
	if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
		d, err := fileDigest(p)
		if err != nil {
			return err
		}
		h.str("target "+rel, d)
	}
	return nil
}

// tree adds every file under root (names relative to root, contents),
// skipping directories named in skipDirs and any directory in skipAbs.
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
		if d.IsDir() {
			if p != root && (skipDirs[d.Name()] || skipAbs[p]) {
				return fs.SkipDir
			}
			return nil
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
			if err := h.entry(p, rel); err != nil {
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
