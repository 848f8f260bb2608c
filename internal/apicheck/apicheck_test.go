package apicheck_test

import (
	"bufio"
	"bytes"
	"fmt"
	"go/importer"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestNoInternalTypeInPublicAPI type-checks nothing itself: it reads the
// compiler's export data of every non-internal, non-main package of the
// root module (go list -export, from the build cache) and walks the type
// of each exported identifier. It fails listing every offender.
func TestNoInternalTypeInPublicAPI(t *testing.T) {
	pkgs, exports := listPackages(t)
	if len(pkgs) == 0 {
		t.Fatal("go list found no public package")
	}
	offenders := check(t, pkgs, exports)
	for _, o := range offenders {
		t.Errorf("%s", o)
	}
	if len(offenders) > 0 {
		t.Errorf("%d exported identifier(s) of %d public packages name an internal type", len(offenders), len(pkgs))
	} else {
		t.Logf("%d public packages: no exported identifier names an internal type", len(pkgs))
	}
}

// TestCheckerFindsOffenders keeps the checker honest: a package built for
// the test that leaks an internal type in each way the walk covers is
// reported once per leak, and nothing else is.
func TestCheckerFindsOffenders(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/leaky\n\ngo 1.26\n")
	write("internal/in/in.go", `package in
type T struct{ X int }
func (T) M() {}
type I interface{ M() }
type E struct{ T }
func (E) Leak() T { return T{} }
`)
	write("pub/pub.go", `package pub
import "example.com/leaky/internal/in"
type Alias = in.T
type Field struct{ F *in.T }
type Embedded struct{ in.T }
type hidden = in.E
type Promoted struct{ *hidden }
type Iface interface{ M() in.I }
type Declared in.T
func Func(m map[string][]in.T) {}
func Result() chan in.I { return nil }
var Var in.T
type Clean struct{ private in.T; Public int }
func (Clean) Method(func(in.T)) {}
type unexported struct{ Out in.T }
func Reach() unexported { return unexported{} }
type G[P any] struct{ V P }
var Inst G[in.T]
`)
	cmd := exec.Command("go", "list", "-export", "-deps", "-f", "{{.ImportPath}}\t{{.Export}}\t{{.Name}}\t{{.Standard}}", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr(err))
	}
	exports := map[string]string{}
	for line := range strings.Lines(string(out)) {
		f := strings.Split(strings.TrimSpace(line), "\t")
		exports[f[0]] = f[1]
	}
	got := check(t, []string{"example.com/leaky/pub"}, exports)
	// Exactly these, once each: Clean's unexported field, its Public field
	// and the unexported types are no leak of their own.
	want := []string{"Alias", "Clean.Method", "Declared", "Embedded.T", "Field.F", "Func", "Iface.M", "Inst",
		"Promoted.Leak", "Promoted.T", "Promoted.hidden", "Reach", "Result", "Var"}
	var names []string
	for _, o := range got {
		name, _, _ := strings.Cut(strings.TrimPrefix(o, "example.com/leaky/pub."), ":")
		names = append(names, name)
	}
	slices.Sort(names)
	if !slices.Equal(names, want) {
		t.Errorf("offenders %v, want exactly %v; got:\n%s", names, want, strings.Join(got, "\n"))
	}
}

func stderr(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}

// listPackages returns the root module's public packages and every
// package's export data file (public ones and their dependencies).
func listPackages(t *testing.T) (public []string, exports map[string]string) {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "list", "-export", "-deps", "-f",
		"{{.ImportPath}}\t{{.Export}}\t{{.Name}}\t{{with .Module}}{{.Path}}\t{{.Main}}{{end}}", "./...")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -export: %v\n%s", err, stderr(err))
	}
	exports = map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) < 5 {
			continue
		}
		path, export, name, main := f[0], f[1], f[2], f[4] == "true"
		exports[path] = export
		if main && name != "main" && !isInternal(path) {
			public = append(public, path)
		}
	}
	slices.Sort(public)
	return public, exports
}

// isInternal reports whether path has an "internal" element, which Go
// keeps from importers outside its parent.
func isInternal(path string) bool {
	return slices.Contains(strings.Split(path, "/"), "internal")
}

// check walks the exported identifiers of pkgs and returns one line per
// identifier whose type names an internal type.
func check(t *testing.T, pkgs []string, exports map[string]string) []string {
	t.Helper()
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		f, ok := exports[path]
		if !ok || f == "" {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(f)
	})
	public := map[string]bool{}
	for _, p := range pkgs {
		public[p] = true
	}
	var offenders []string
	for _, path := range pkgs {
		pkg, err := imp.Import(path)
		if err != nil {
			t.Fatalf("import %s: %v", path, err)
		}
		for _, name := range pkg.Scope().Names() {
			obj := pkg.Scope().Lookup(name)
			if !obj.Exported() {
				continue
			}
			w := walker{public: public, seen: map[types.Type]bool{}}
			for _, leak := range w.object(obj) {
				offenders = append(offenders, fmt.Sprintf("%s.%s", path, leak))
			}
		}
	}
	return offenders
}

// walker finds the internal types an exported object reaches.
type walker struct {
	public map[string]bool // the module's public packages: their exported types are checked on their own
	seen   map[types.Type]bool
}

// object returns "Name[.Member]: names T" for each leak of obj.
func (w *walker) object(obj types.Object) []string {
	var out []string
	report := func(member string, found []string) {
		for _, f := range found {
			out = append(out, fmt.Sprintf("%s: names %s", member, f))
		}
	}
	name := obj.Name()
	tn, isType := obj.(*types.TypeName)
	if !isType {
		report(name, w.typ(obj.Type()))
		return out
	}
	if tn.IsAlias() {
		report(name, w.typ(obj.Type()))
		return out
	}
	named, ok := obj.Type().(*types.Named)
	if !ok {
		return out
	}
	w.seen[named] = true
	report(name, w.typeParams(named.TypeParams()))
	w.members(name, named, report)
	return out
}

// members reports the leaks in the fields, methods (promoted ones
// included) and interface methods a user reaches through named.
func (w *walker) members(prefix string, named *types.Named, report func(string, []string)) {
	switch u := named.Underlying().(type) {
	case *types.Struct:
		for i := range u.NumFields() {
			f := u.Field(i)
			if f.Pkg() != nil && isInternal(f.Pkg().Path()) {
				report(prefix, []string{"a struct declared in " + f.Pkg().Path()})
				break
			}
		}
		w.fields(prefix, u, report, map[*types.Struct]bool{})
	case *types.Interface:
		for i := range u.NumEmbeddeds() {
			if found := w.typ(u.EmbeddedType(i)); len(found) > 0 {
				report(prefix, found)
			}
		}
		for i := range u.NumMethods() {
			if m := u.Method(i); m.Exported() {
				report(prefix+"."+m.Name(), w.typ(m.Type()))
			}
		}
		return
	default:
		report(prefix, w.typ(u))
	}
	ms := types.NewMethodSet(types.NewPointer(named))
	for i := range ms.Len() {
		if m := ms.At(i).Obj(); m.Exported() {
			report(prefix+"."+m.Name(), w.typ(m.Type()))
		}
	}
}

// fields reports the exported and embedded fields of s, and the fields
// promoted through its embedded fields.
func (w *walker) fields(prefix string, s *types.Struct, report func(string, []string), seen map[*types.Struct]bool) {
	if seen[s] {
		return
	}
	seen[s] = true
	for i := range s.NumFields() {
		f := s.Field(i)
		if !f.Exported() && !f.Embedded() {
			continue
		}
		if f.Exported() {
			report(prefix+"."+f.Name(), w.typ(f.Type()))
		}
		if f.Embedded() {
			t := types.Unalias(f.Type())
			if p, ok := t.(*types.Pointer); ok {
				t = types.Unalias(p.Elem())
			}
			if n, ok := t.(*types.Named); ok && !f.Exported() {
				report(prefix+"."+f.Name(), w.typ(n)) // the embedded type itself, reached through promotion
			}
			if inner, ok := t.Underlying().(*types.Struct); ok {
				w.fields(prefix, inner, report, seen)
			}
		}
	}
}

func (w *walker) typeParams(tps *types.TypeParamList) []string {
	var found []string
	for i := range tps.Len() {
		found = append(found, w.typ(tps.At(i).Constraint())...)
	}
	return found
}

// typ returns the internal types t names or reaches.
func (w *walker) typ(t types.Type) []string {
	if t == nil {
		return nil
	}
	switch t := t.(type) {
	case *types.Basic:
		return nil
	case *types.Alias:
		if o := t.Obj(); o.Pkg() != nil && isInternal(o.Pkg().Path()) {
			return []string{o.Pkg().Path() + "." + o.Name()}
		}
		return w.typ(t.Rhs())
	case *types.Named:
		o := t.Obj()
		var found []string
		for i := range t.TypeArgs().Len() {
			found = append(found, w.typ(t.TypeArgs().At(i))...)
		}
		switch {
		case o.Pkg() == nil: // error, comparable
		case isInternal(o.Pkg().Path()):
			found = append(found, o.Pkg().Path()+"."+o.Name())
		case w.public[o.Pkg().Path()] && o.Exported():
			// checked as an identifier of its own package
		case w.public[o.Pkg().Path()] && !w.seen[t.Origin()]:
			w.seen[t.Origin()] = true
			// an unexported type of a public package: what a user reaches
			// through it counts
			w.members(o.Name(), t.Origin(), func(m string, f []string) {
				for _, s := range f {
					found = append(found, s+" (through "+m+")")
				}
			})
		}
		return found
	case *types.Pointer:
		return w.typ(t.Elem())
	case *types.Slice:
		return w.typ(t.Elem())
	case *types.Array:
		return w.typ(t.Elem())
	case *types.Chan:
		return w.typ(t.Elem())
	case *types.Map:
		return append(w.typ(t.Key()), w.typ(t.Elem())...)
	case *types.Signature:
		found := w.typeParams(t.TypeParams())
		for _, tup := range []*types.Tuple{t.Params(), t.Results()} {
			for i := range tup.Len() {
				found = append(found, w.typ(tup.At(i).Type())...)
			}
		}
		return found
	case *types.Struct:
		var found []string
		for i := range t.NumFields() {
			if f := t.Field(i); f.Exported() || f.Embedded() {
				found = append(found, w.typ(f.Type())...)
			}
		}
		return found
	case *types.Interface:
		var found []string
		for i := range t.NumEmbeddeds() {
			found = append(found, w.typ(t.EmbeddedType(i))...)
		}
		for i := range t.NumMethods() {
			if m := t.Method(i); m.Exported() {
				found = append(found, w.typ(m.Type())...)
			}
		}
		return found
	case *types.Union:
		var found []string
		for i := range t.Len() {
			found = append(found, w.typ(t.Term(i).Type())...)
		}
		return found
	case *types.TypeParam:
		return w.typ(t.Constraint())
	case *types.Tuple:
		var found []string
		for i := range t.Len() {
			found = append(found, w.typ(t.At(i).Type())...)
		}
		return found
	}
	return []string{fmt.Sprintf("an unhandled type %T", t)}
}
