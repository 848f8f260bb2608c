// Package specdir finds the folder of the vendors' published OpenAPI specs
// (shared/specs beside the repository, or $CARRIERKIT_SPECS) and hashes the
// files in it. It does not read the specs, so a program can name and hash
// them without linking an OpenAPI library (internal/spectest does that).
package specdir

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ErrNoSpecs means the spec folder was not found. The error Dir returns
// wraps it and names the folders it looked in.
var ErrNoSpecs = errors.New("vendor specs not found (set CARRIERKIT_SPECS to the folder of the vendors' OpenAPI specs)")

// Dir returns the spec folder: $CARRIERKIT_SPECS, else the one DirFrom
// finds from the working directory (a test's package directory).
func Dir() (string, error) {
	if d := os.Getenv("CARRIERKIT_SPECS"); d != "" {
		return d, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	return DirFrom(wd)
}

// DirFrom finds the module root at or above start (the folder holding
// go.mod) and returns the folder shared/specs beside it, or beside one of
// the root's parent folders (a git worktree nested under the checkout's
// parent). The error wraps ErrNoSpecs and names each folder looked in.
func DirFrom(start string) (string, error) {
	root := ""
	for d := filepath.Clean(start); ; d = filepath.Dir(d) {
		if exists(filepath.Join(d, "go.mod")) {
			root = d
			break
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("%w: no go.mod at or above %s", ErrNoSpecs, start)
		}
	}
	var tried []string
	for d := root; ; d = filepath.Dir(d) {
		p := filepath.Join(filepath.Dir(d), "shared", "specs")
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return p, nil
		}
		if len(tried) == 0 || tried[len(tried)-1] != p {
			tried = append(tried, p)
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("%w: looked in %s", ErrNoSpecs, strings.Join(tried, ", "))
		}
	}
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

// FileSHA256 returns the hex SHA-256 of the spec file in dir.
func FileSHA256(dir, file string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}
