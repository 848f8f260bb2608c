package router_test

import (
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestDecidesFromDeliveryAlone: the router, and the batch above it, judge
// a failure from the delivery fact on the adapter's error
// (participant.Error.Delivery), never from an HTTP client's internals or
// transport error types: none of their files imports them.
func TestDecidesFromDeliveryAlone(t *testing.T) {
	assertNoTransportImports(t, ".")
	assertNoTransportImports(t, filepath.Join("..", "..", "batch"))
}

// forbidden are the packages whose error types a layer above the adapters
// would have to inspect to guess how far a request got.
var forbidden = map[string]bool{"github.com/carrierkit/carrierkit/internal/httpx": true, "crypto/tls": true,
	"crypto/x509": true, "net": true, "syscall": true, "github.com/hashicorp/go-retryablehttp": true}

func assertNoTransportImports(t *testing.T, dir string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files in %s: %v", dir, err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		parsed, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range parsed.Imports {
			if path, _ := strconv.Unquote(imp.Path.Value); forbidden[path] {
				t.Errorf("%s imports %s", f, path)
			}
		}
	}
}

// TestLinksNoConfigFile: a router built by hand links neither the config
// file's package nor its JSON Schema validator (config.OpenRouter opens a
// router from a file, from the config side).
func TestLinksNoConfigFile(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "github.com/carrierkit/carrierkit/providers/config" || strings.HasPrefix(dep, "github.com/santhosh-tekuri/jsonschema") {
			t.Errorf("the router links %s", dep)
		}
	}
}
