package deploylocal

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// Assembly is a synthesized cloud assembly (a cdk.out directory).
type Assembly struct {
	Dir string
	// Stacks in deployment order (dependencies first).
	Stacks []*StackTemplate
}

// StackTemplate is one stack of an assembly.
type StackTemplate struct {
	Name string
	// Environment from the manifest, "aws://ACCOUNT/REGION" (unknown-account
	// and unknown-region when not pinned).
	Environment string
	Template    Template
}

// Template is the part of a CloudFormation template the rehearsal reads.
type Template struct {
	Resources  map[string]Resource       `json:"Resources"`
	Outputs    map[string]map[string]any `json:"Outputs"`
	Parameters map[string]map[string]any `json:"Parameters"`
}

// Resource is one resource of a template.
type Resource struct {
	Type           string         `json:"Type"`
	Properties     map[string]any `json:"Properties"`
	DeletionPolicy string         `json:"DeletionPolicy"`
	Condition      string         `json:"Condition"`
}

// Retained reports whether CloudFormation leaves the resource behind when its
// stack is deleted.
func (r Resource) Retained() bool {
	return r.DeletionPolicy == "Retain" || r.DeletionPolicy == "RetainExceptOnCreate"
}

// LogicalIDs returns the template's logical IDs, sorted.
func (t Template) LogicalIDs() []string {
	ids := make([]string, 0, len(t.Resources))
	for id := range t.Resources {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// ReadAssembly reads dir's manifest.json and the template of every stack.
func ReadAssembly(dir string) (*Assembly, error) {
	data, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, err
	}
	var manifest struct {
		Artifacts map[string]struct {
			Type         string   `json:"type"`
			Environment  string   `json:"environment"`
			Dependencies []string `json:"dependencies"`
			Properties   struct {
				TemplateFile string `json:"templateFile"`
			} `json:"properties"`
		} `json:"artifacts"`
	}
	if err := json.Unmarshal(data, &manifest); err != nil {
		return nil, fmt.Errorf("%s/manifest.json: %w", dir, err)
	}
	a := &Assembly{Dir: dir}
	stacks := map[string]*StackTemplate{}
	deps := map[string][]string{}
	var names []string
	for name, art := range manifest.Artifacts {
		if art.Type != "aws:cloudformation:stack" {
			continue
		}
		s := &StackTemplate{Name: name, Environment: art.Environment}
		body, err := os.ReadFile(filepath.Join(dir, art.Properties.TemplateFile))
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(body, &s.Template); err != nil {
			return nil, fmt.Errorf("%s: %w", art.Properties.TemplateFile, err)
		}
		stacks[name] = s
		deps[name] = art.Dependencies
		names = append(names, name)
	}
	sort.Strings(names)
	// Dependencies first; a stack's dependencies on asset manifests are
	// not stacks and are skipped.
	seen := map[string]bool{}
	var visit func(string)
	visit = func(n string) {
		if seen[n] {
			return
		}
		seen[n] = true
		for _, d := range deps[n] {
			if _, ok := stacks[d]; ok {
				visit(d)
			}
		}
		a.Stacks = append(a.Stacks, stacks[n])
	}
	for _, n := range names {
		visit(n)
	}
	if len(a.Stacks) == 0 {
		return nil, fmt.Errorf("%s: no stacks in manifest.json", dir)
	}
	return a, nil
}

// Stack returns the named stack, or nil.
func (a *Assembly) Stack(name string) *StackTemplate {
	for _, s := range a.Stacks {
		if s.Name == name {
			return s
		}
	}
	return nil
}
