package specdir_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/internal/specdir"
)

// DirFrom finds shared/specs beside the module root or beside one of its
// parents (a worktree nested under the checkout's parent), and says where
// it looked when there is none.
func TestDirFrom(t *testing.T) {
	dir := t.TempDir()
	mod := filepath.Join(dir, "a", "mod")
	require.NoError(t, os.MkdirAll(filepath.Join(mod, "sub"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module x\n"), 0o644))

	_, err := specdir.DirFrom(filepath.Join(mod, "sub"))
	require.True(t, errors.Is(err, specdir.ErrNoSpecs), "%v", err)
	assert.ErrorContains(t, err, filepath.Join(dir, "a", "shared", "specs"), "names the folder looked in")

	specs := filepath.Join(dir, "shared", "specs")
	require.NoError(t, os.MkdirAll(specs, 0o755))
	got, err := specdir.DirFrom(filepath.Join(mod, "sub"))
	require.NoError(t, err)
	assert.Equal(t, specs, got)

	_, err = specdir.DirFrom(dir)
	assert.ErrorContains(t, err, "no go.mod")
}

func TestFileSHA256(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "s.yml"), []byte("abc"), 0o644))
	sum, err := specdir.FileSHA256(dir, "s.yml")
	require.NoError(t, err)
	assert.Equal(t, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", sum)
	_, err = specdir.FileSHA256(dir, "missing.yml")
	assert.Error(t, err)
}
