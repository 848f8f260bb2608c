package leakcheck_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// leakCheck matches a TestMain that checks for leaked goroutines.
var leakCheck = regexp.MustCompile(`goleak\.(VerifyTestMain|Find|VerifyNone)\(`)

// TestEveryTestedPackageChecksLeaks walks the module, nested modules
// (bench, compat) included, and fails for each directory with
// _test.go files none of which checks for leaked goroutines.
func TestEveryTestedPackageChecksLeaks(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found at %s: %v", root, err)
	}
	tested := map[string]bool{} // dir → some _test.go checks leaks
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		dir := filepath.Dir(path)
		tested[dir] = tested[dir] || leakCheck.Match(src)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(tested) < 10 {
		t.Fatalf("found only %d tested packages under %s", len(tested), root)
	}
	for dir, ok := range tested {
		if !ok {
			rel, _ := filepath.Rel(root, dir)
			t.Errorf("%s has tests but no goleak check: add a main_test.go with func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }", rel)
		}
	}
}
