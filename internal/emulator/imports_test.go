package emulator_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestNoImportRunsBackUp: no internal package, the emulator included,
// links a providers package, which sits above them (the emulator takes the
// registry of adapters as an interface instead).
func TestNoImportRunsBackUp(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/carrierkit/carrierkit/internal/...").Output()
	require.NoError(t, err)
	for _, dep := range strings.Fields(string(out)) {
		if dep == "github.com/carrierkit/carrierkit/providers" || strings.HasPrefix(dep, "github.com/carrierkit/carrierkit/providers/") {
			t.Errorf("an internal package links %s", dep)
		}
	}
}
