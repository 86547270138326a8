package leastpriv

import (
	"cmp"
	"fmt"
	"go/token"
	"go/types"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/tools/go/callgraph"
	"golang.org/x/tools/go/callgraph/rta"
	"golang.org/x/tools/go/packages"
	"golang.org/x/tools/go/ssa"
	"golang.org/x/tools/go/ssa/ssautil"
)

// sdkServicePrefix is the import path prefix of the aws-sdk-go-v2 service
// packages; the path segment after it is the service package's name.
const sdkServicePrefix = "github.com/aws/aws-sdk-go-v2/service/"

// Call is one call site, in the module's code, of an AWS API operation.
type Call struct {
	// Service is the SDK service package's name: "dynamodb", "sqs", "s3".
	Service string
	// Operation is the API operation: "PutItem", "SendMessageBatch".
	Operation string
	// Site is where the call is: "internal/orders/store.go:56", relative to
	// the directory Analyze was given.
	Site string
	// Caller is the function holding the call: "(*orders.Store).Create".
	Caller string
}

// FieldSet is a store to a field of an operation's input in the module's
// code (in.VersionId = ...), for the actions that depend on a field: only
// the fields fieldActions lists are recorded.
type FieldSet struct {
	// Service is the SDK service package's name: "s3".
	Service string
	// Input is the input type's name: "GetObjectInput".
	Input string
	// Field is the field set: "VersionId".
	Field string
	// Site is where the store is, as in Call.Site.
	Site string
}

// Code is what one function's code does with AWS, as far as reading it tells.
type Code struct {
	// Package is the main package's import path.
	Package string
	// Module is the main module's path.
	Module string
	// ModulePackages are the packages of the main module, and of the
	// modules it replaces with a directory of the repository (the handler
	// runtime), that the function imports, directly or not, itself
	// included, sorted: the only code whose calls count.
	ModulePackages []string
	// Calls are the AWS operation call sites reachable from the function's
	// main and init, sorted by site.
	Calls []Call
	// Fields are the stores to the operation input fields fieldActions
	// lists, in that same reachable code, sorted by site.
	Fields []FieldSet
}

// Analyze reads the main packages matched by patterns (go list patterns,
// resolved in dir, which must be inside the main module) and returns, by
// import path, the AWS operations each calls. Test files are not read.
//
// It loads the packages with all their dependencies from source
// (go/packages), builds the whole program in SSA form (go/ssa), and finds the
// functions reachable from each main package's main and init with Rapid Type
// Analysis (go/callgraph/rta), following call graph edges only. In that
// reachable code it keeps the functions of the main module's packages and
// of the modules it replaces with a local directory (the handler runtime,
// whose batchsend and idempotency make the functions' SQS, EventBridge and
// DynamoDB calls; the SDK's own code is not read) and reports each call whose callee's
// parameters include a pointer to an operation input (*dynamodb.PutItemInput
// makes dynamodb PutItem), whether the callee is a function, a concrete
// method, an interface method or a function value; and each call of a
// service package's New<Op>Paginator. A static call of a module function is
// not itself an operation: its body is read when it is reachable.
//
// Why RTA: call graph precision decides whether a function is charged with
// an operation only a sibling uses. Package granularity would charge the api
// with UpdateItem, because internal/orders.Store has Create, Get and Advance
// and api imports it. Class hierarchy analysis (go/callgraph/cha) cannot
// root the search: lambda.Start calls the handler through reflect, so
// nothing would be reachable past it; VTA needs a CHA graph to start from
// and is slower. RTA follows only the types a program actually converts to
// interfaces, and models reflect.Value.Call as calling every address-taken
// function (h.Handle passed to lambda.Start). Its Reachable set also holds
// every exported method of every runtime type (reflection could call it):
// that would bring back Store.Advance for the api, so reachability here is
// taken from the call graph instead, from the roots. What that leaves out is
// a method called only by reflection by name (reflect.Value.Method): no
// Lambda code here does that.
func Analyze(dir string, patterns ...string) (map[string]*Code, error) {
	cfg := &packages.Config{
		Dir:  dir,
		Mode: packages.LoadAllSyntax | packages.NeedModule,
	}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", strings.Join(patterns, " "), err)
	}
	var errs []string
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		for _, e := range p.Errors {
			errs = append(errs, e.Error())
		}
	})
	if len(errs) > 0 {
		return nil, fmt.Errorf("load %s: %s", strings.Join(patterns, " "), strings.Join(errs, "; "))
	}
	if len(pkgs) == 0 {
		return nil, fmt.Errorf("load %s: no packages", strings.Join(patterns, " "))
	}
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}

	prog, ssaPkgs := ssautil.AllPackages(pkgs, ssa.InstantiateGenerics)
	prog.Build()

	out := map[string]*Code{}
	for i, p := range pkgs {
		if p.Name != "main" {
			return nil, fmt.Errorf("package %s is not a main package", p.PkgPath)
		}
		if p.Module == nil || !p.Module.Main {
			return nil, fmt.Errorf("package %s is not in the main module", p.PkgPath)
		}
		modPath := p.Module.Path
		inModule := map[string]bool{}
		local := map[string]bool{modPath: true} // module paths whose code is read
		packages.Visit([]*packages.Package{p}, nil, func(q *packages.Package) {
			if q.Module != nil && (q.Module.Main || isLocalReplace(q.Module)) {
				inModule[q.PkgPath] = true
				local[q.Module.Path] = true
			}
		})
		main := ssaPkgs[i].Func("main")
		if main == nil {
			return nil, fmt.Errorf("package %s has no func main", p.PkgPath)
		}
		roots := []*ssa.Function{main, ssaPkgs[i].Func("init")}
		res := rta.Analyze(roots, true)

		c := &Code{Package: p.PkgPath, Module: modPath, ModulePackages: slices.Sorted(maps.Keys(inModule))}
		site := func(pos token.Pos) string {
			position := prog.Fset.Position(pos)
			if rel, err := filepath.Rel(absDir, position.Filename); err == nil && !strings.HasPrefix(rel, "..") {
				position.Filename = filepath.ToSlash(rel)
			}
			return fmt.Sprintf("%s:%d", position.Filename, position.Line)
		}
		for _, fn := range reachable(res.CallGraph, roots) {
			pkg := packageOf(fn)
			if pkg == nil || !inModule[pkg.Path()] {
				continue
			}
			scan(fn, local, site, c)
		}
		slices.SortFunc(c.Calls, func(a, b Call) int { return compareSites(a.Site, b.Site, a.Operation, b.Operation) })
		slices.SortFunc(c.Fields, func(a, b FieldSet) int { return compareSites(a.Site, b.Site, a.Field, b.Field) })
		out[p.PkgPath] = c
	}
	return out, nil
}

// reachable returns the functions reachable from roots along g's edges.
func reachable(g *callgraph.Graph, roots []*ssa.Function) []*ssa.Function {
	seen := map[*callgraph.Node]bool{}
	var queue []*callgraph.Node
	for _, r := range roots {
		if n := g.Nodes[r]; r != nil && n != nil && !seen[n] {
			seen[n] = true
			queue = append(queue, n)
		}
	}
	var fns []*ssa.Function
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		fns = append(fns, n.Func)
		for _, e := range n.Out {
			if !seen[e.Callee] {
				seen[e.Callee] = true
				queue = append(queue, e.Callee)
			}
		}
	}
	return fns
}

// packageOf returns the package whose source holds fn: its own (also for
// the synthetic package initializer and range-over-func loop bodies), its
// enclosing function's for a closure, its origin's for a generic instance;
// nil for wrappers (bound methods, interface thunks), which only forward to
// a function read on its own.
func packageOf(fn *ssa.Function) *types.Package {
	for f := fn; f != nil; f = f.Parent() {
		if f.Pkg != nil {
			return f.Pkg.Pkg
		}
		if o := f.Origin(); o != nil && o.Pkg != nil {
			return o.Pkg.Pkg
		}
	}
	return nil
}

// inLocalModule reports whether path is a package of one of the modules
// whose code is read.
func inLocalModule(path string, local map[string]bool) bool {
	for m := range local {
		if path == m || strings.HasPrefix(path, m+"/") {
			return true
		}
	}
	return false
}

// isLocalReplace reports whether m is replaced by a directory (a replace
// without a version): a module of this repository, such as the handler
// runtime (replace github.com/example/orderflow/runtime => ./runtime),
// whose code the functions run as their own.
func isLocalReplace(m *packages.Module) bool {
	return m.Replace != nil && m.Replace.Version == ""
}

// scan adds fn's operation calls and input field stores to c.
func scan(fn *ssa.Function, local map[string]bool, site func(token.Pos) string, c *Code) {
	for _, b := range fn.Blocks {
		for _, instr := range b.Instrs {
			switch instr := instr.(type) {
			case ssa.CallInstruction:
				common := instr.Common()
				callee := common.StaticCallee()
				if callee != nil {
					if pkg := packageOf(callee); pkg != nil && inLocalModule(pkg.Path(), local) {
						continue // read on its own when reachable
					}
				}
				svc, op := operationOf(common.Signature())
				if op == "" && callee != nil {
					svc, op = paginatorOf(callee)
				}
				if op != "" {
					c.Calls = append(c.Calls, Call{Service: svc, Operation: op, Site: site(instr.Pos()), Caller: callerName(fn)})
				}
			case *ssa.Store:
				fa, ok := instr.Addr.(*ssa.FieldAddr)
				if !ok {
					continue
				}
				ptr, ok := fa.X.Type().Underlying().(*types.Pointer)
				if !ok {
					continue
				}
				svc, input := inputType(ptr.Elem())
				if input == "" {
					continue
				}
				st, ok := ptr.Elem().Underlying().(*types.Struct)
				if !ok {
					continue
				}
				f := FieldSet{Service: svc, Input: input, Field: st.Field(fa.Field).Name()}
				if fieldAction(f) == "" {
					continue
				}
				pos := instr.Pos()
				if pos == token.NoPos {
					pos = fa.Pos()
				}
				f.Site = site(pos)
				c.Fields = append(c.Fields, f)
			}
		}
	}
}

// operationOf returns the service and operation of a signature whose
// parameters include a pointer to an operation input type; "" when none does.
func operationOf(sig *types.Signature) (svc, op string) {
	if sig == nil {
		return "", ""
	}
	for v := range sig.Params().Variables() {
		ptr, ok := types.Unalias(v.Type()).(*types.Pointer)
		if !ok {
			continue
		}
		if svc, input := inputType(ptr.Elem()); input != "" {
			return svc, strings.TrimSuffix(input, "Input")
		}
	}
	return "", ""
}

// inputType returns the service and name of t when t is a type named
// <Op>Input declared in an SDK service package (not a sub-package such as
// dynamodb/types); "" otherwise.
func inputType(t types.Type) (svc, name string) {
	named, ok := types.Unalias(t).(*types.Named)
	if !ok {
		return "", ""
	}
	obj := named.Obj()
	if obj.Pkg() == nil {
		return "", ""
	}
	svc, ok = servicePackage(obj.Pkg().Path())
	if !ok || !strings.HasSuffix(obj.Name(), "Input") || obj.Name() == "Input" {
		return "", ""
	}
	return svc, obj.Name()
}

// paginatorOf returns the service and operation of a New<Op>Paginator
// function of an SDK service package; "" for any other function.
func paginatorOf(fn *ssa.Function) (svc, op string) {
	if fn.Pkg == nil || fn.Signature.Recv() != nil {
		return "", ""
	}
	svc, ok := servicePackage(fn.Pkg.Pkg.Path())
	if !ok {
		return "", ""
	}
	name := fn.Name()
	if o := fn.Origin(); o != nil {
		name = o.Name()
	}
	if op, ok = strings.CutPrefix(name, "New"); ok {
		op, ok = strings.CutSuffix(op, "Paginator")
	}
	if !ok || op == "" {
		return "", ""
	}
	return svc, op
}

// servicePackage returns the service package name of an SDK service
// package's import path ("github.com/aws/aws-sdk-go-v2/service/sqs" -> "sqs").
func servicePackage(path string) (string, bool) {
	svc, ok := strings.CutPrefix(path, sdkServicePrefix)
	if !ok || svc == "" || strings.Contains(svc, "/") {
		return "", false
	}
	return svc, true
}

// callerName names fn the way a stack trace would, shortened to the package name.
func callerName(fn *ssa.Function) string {
	pkg := packageOf(fn)
	if pkg == nil {
		return fn.String()
	}
	return pkg.Name() + "." + fn.RelString(pkg)
}

// compareSites orders two sites ("file:line") by file, then line, then
// the ties ta and tb.
func compareSites(a, b, ta, tb string) int {
	fa, la := splitSite(a)
	fb, lb := splitSite(b)
	return cmp.Or(strings.Compare(fa, fb), cmp.Compare(la, lb), strings.Compare(ta, tb))
}

func splitSite(s string) (string, int) {
	i := strings.LastIndex(s, ":")
	if i < 0 {
		return s, 0
	}
	n, _ := strconv.Atoi(s[i+1:])
	return s[:i], n
}
