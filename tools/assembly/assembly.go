// Package assembly is the dev tooling's one reader of synthesized cloud
// assemblies (the cdk.out folder `make synth` writes) and of CloudFormation
// templates: the manifest (stacks, their environments and dependencies,
// nested assemblies of CDK stages, asset manifests), each stack's template,
// and the intrinsic functions the CDK writes into templates (Ref,
// Fn::GetAtt, Fn::Sub, Fn::Join, Fn::Select, Fn::Split, Fn::GetStackOutput,
// Fn::ImportValue), evaluated by a Resolver against values its caller
// supplies: local names (tools/localrun), what
// the emulator deployed (tools/deploylocal).
//
// Who uses it: tools/localrun (make invoke, make api, make local-services
// and test/integration), tools/deploylocal (make deploy-local and make
// test), tools/leastpriv and tools/templatediff (the stack tests of make
// test), bench (make bench). A test in this package fails when any other
// Go file of the module parses manifest.json or spells out an intrinsic
// function.
//
// Why not the CDK's own reader: aws-cdk-go's cxapi reads an assembly
// through jsii, so every tool that reads a few JSON files would start Node
// and link the CDK's bindings (a minute and about 1 GB to compile cold),
// and it evaluates no intrinsic function. The manifest's schema is
// versioned (cloud assembly schema 55 here); this reader uses only its
// stable fields.
package assembly

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ManifestFile is the name of an assembly's manifest.
const ManifestFile = "manifest.json"

// Assembly is a synthesized cloud assembly.
type Assembly struct {
	// Dir is the assembly's folder.
	Dir string
	// Stacks in deployment order (every stack after the stacks it depends
	// on), those of nested assemblies included.
	Stacks []*Stack
	// manifests are the asset manifests, by artifact ID.
	manifests map[string]string
}

// Stack is one CloudFormation stack of an assembly.
type Stack struct {
	// ID is the manifest's artifact ID; Name the CloudFormation stack name
	// (the ID unless the manifest says otherwise).
	ID, Name string
	// Environment is the manifest's "aws://ACCOUNT/REGION"; Account and
	// Region are its parts, "" where the stack is environment-agnostic
	// (unknown-account, unknown-region).
	Environment, Account, Region string
	// Dependencies are the artifact IDs the stack depends on (stacks and
	// asset manifests).
	Dependencies []string
	// TemplatePath is the template's file.
	TemplatePath string
	Template     *Template
}

// Template is a CloudFormation template.
type Template struct {
	Resources  map[string]Resource  `json:"Resources"`
	Outputs    map[string]Output    `json:"Outputs"`
	Parameters map[string]Parameter `json:"Parameters"`
}

// Resource is one resource of a template.
type Resource struct {
	Type           string         `json:"Type"`
	Properties     map[string]any `json:"Properties"`
	Metadata       map[string]any `json:"Metadata"`
	DeletionPolicy string         `json:"DeletionPolicy"`
}

// Output is one output of a template.
type Output struct {
	Value  any `json:"Value"`
	Export *struct {
		Name any `json:"Name"`
	} `json:"Export"`
}

// Parameter is one parameter of a template.
type Parameter struct {
	Type    string `json:"Type"`
	Default any    `json:"Default"`
}

// Retained reports whether CloudFormation leaves the resource behind when
// its stack is deleted.
func (r Resource) Retained() bool {
	return r.DeletionPolicy == "Retain" || r.DeletionPolicy == "RetainExceptOnCreate"
}

// LogicalIDs returns the template's logical IDs, sorted.
func (t *Template) LogicalIDs() []string {
	return slices.Sorted(maps.Keys(t.Resources))
}

// manifest is the part of manifest.json this package reads.
type manifest struct {
	Artifacts map[string]struct {
		Type         string   `json:"type"`
		Environment  string   `json:"environment"`
		Dependencies []string `json:"dependencies"`
		Properties   struct {
			TemplateFile  string `json:"templateFile"`
			StackName     string `json:"stackName"`
			DirectoryName string `json:"directoryName"` // a nested assembly
			File          string `json:"file"`          // an asset manifest
		} `json:"properties"`
	} `json:"artifacts"`
}

// Read reads the assembly in dir: its manifest, the template of every
// stack, and those of its nested assemblies.
func Read(dir string) (*Assembly, error) {
	a := &Assembly{Dir: dir, manifests: map[string]string{}}
	byID := map[string]*Stack{}
	if err := a.read(dir, byID); err != nil {
		return nil, err
	}
	if len(byID) == 0 {
		return nil, fmt.Errorf("%s: no stacks in %s", dir, ManifestFile)
	}
	ids := slices.Sorted(maps.Keys(byID))
	seen := map[string]bool{}
	var visit func(string)
	visit = func(id string) {
		if seen[id] {
			return
		}
		seen[id] = true
		for _, d := range byID[id].Dependencies {
			if byID[d] != nil {
				visit(d)
			}
		}
		a.Stacks = append(a.Stacks, byID[id])
	}
	for _, id := range ids {
		visit(id)
	}
	return a, nil
}

func (a *Assembly) read(dir string, byID map[string]*Stack) error {
	raw, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return fmt.Errorf("read cloud assembly (run `make synth` first): %w", err)
	}
	var m manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("decode %s: %w", filepath.Join(dir, ManifestFile), err)
	}
	for id, art := range m.Artifacts {
		switch art.Type {
		case "cdk:cloud-assembly":
			if err := a.read(filepath.Join(dir, art.Properties.DirectoryName), byID); err != nil {
				return err
			}
		case "cdk:asset-manifest":
			if art.Properties.File != "" {
				a.manifests[id] = filepath.Join(dir, art.Properties.File)
			}
		case "aws:cloudformation:stack":
			st := &Stack{ID: id, Name: cmp.Or(art.Properties.StackName, id), Environment: art.Environment, Dependencies: art.Dependencies,
				TemplatePath: filepath.Join(dir, art.Properties.TemplateFile)}
			env := strings.TrimPrefix(art.Environment, "aws://")
			st.Account, st.Region, _ = strings.Cut(env, "/")
			st.Account = strings.TrimPrefix(st.Account, "unknown-account")
			st.Region = strings.TrimPrefix(st.Region, "unknown-region")
			if st.Template, err = ReadTemplate(st.TemplatePath); err != nil {
				return fmt.Errorf("template of %s: %w", st.Name, err)
			}
			byID[id] = st
		}
	}
	return nil
}

// ReadTemplate reads a template file.
func ReadTemplate(path string) (*Template, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	t := &Template{}
	if err := json.Unmarshal(raw, t); err != nil {
		return nil, fmt.Errorf("decode %s: %w", path, err)
	}
	return t, nil
}

// FromMap returns the template a JSON-decoded template map holds (such as
// assertions.Template's ToJSON).
func FromMap(m map[string]any) (*Template, error) {
	raw, _ := json.Marshal(m) // a JSON-decoded map: it cannot fail
	t := &Template{}
	return t, json.Unmarshal(raw, t)
}

// Stack returns the stack named name (its CloudFormation name), or nil.
func (a *Assembly) Stack(name string) *Stack {
	if i := slices.IndexFunc(a.Stacks, func(s *Stack) bool { return s.Name == name }); i >= 0 {
		return a.Stacks[i]
	}
	return nil
}

// StackNames returns the names of the stacks, sorted.
func (a *Assembly) StackNames() []string {
	var names []string
	for _, s := range a.Stacks {
		names = append(names, s.Name)
	}
	slices.Sort(names)
	return names
}

// Region returns the region the stacks pin (the first that pins one), ""
// when every stack is environment-agnostic.
func (a *Assembly) Region() string {
	if i := slices.IndexFunc(a.Stacks, func(s *Stack) bool { return s.Region != "" }); i >= 0 {
		return a.Stacks[i].Region
	}
	return ""
}

// Asset is one asset of an asset manifest: a function's code, a nested
// template, a container image's build folder.
type Asset struct {
	// Hash is the asset's ID (its source hash); DisplayName the construct
	// path the CDK gives it ("Api/Code").
	Hash, DisplayName string
	// Path is the asset's file or folder; Packaging "zip" (a folder zipped
	// at publish), "file" or "container-image".
	Path, Packaging string
}

// Assets returns the file and container image assets of every asset
// manifest of the assembly, sorted by Path.
func (a *Assembly) Assets() ([]Asset, error) {
	var out []Asset
	for _, file := range a.manifests {
		raw, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		type asset struct {
			DisplayName string `json:"displayName"`
			Source      struct {
				Path      string `json:"path"`
				Packaging string `json:"packaging"`
				Directory string `json:"directory"` // a container image's
			} `json:"source"`
		}
		var m struct {
			Files        map[string]asset `json:"files"`
			DockerImages map[string]asset `json:"dockerImages"`
		}
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("decode %s: %w", file, err)
		}
		for _, group := range []map[string]asset{m.Files, m.DockerImages} {
			for hash, f := range group {
				p := cmp.Or(f.Source.Path, f.Source.Directory)
				if !filepath.IsAbs(p) {
					p = filepath.Join(filepath.Dir(file), p)
				}
				out = append(out, Asset{Hash: hash, DisplayName: f.DisplayName, Path: p, Packaging: cmp.Or(f.Source.Packaging, "container-image")})
			}
		}
	}
	slices.SortFunc(out, func(x, y Asset) int { return strings.Compare(x.Path, y.Path) })
	return out, nil
}
