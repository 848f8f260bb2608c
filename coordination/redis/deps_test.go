package redis_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestOnlyThisPackageLinksRedis: the library's packages do not depend on
// go-redis; only this one (and the programs that import it) do.
func TestOnlyThisPackageLinksRedis(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command to list dependencies")
	}
	pkgs := []string{"github.com/carrierkit/carrierkit/batch", "github.com/carrierkit/carrierkit/participant",
		"github.com/carrierkit/carrierkit/providers/router", "github.com/carrierkit/carrierkit/providers/config",
		"github.com/carrierkit/carrierkit/providers/twilio", "github.com/carrierkit/carrierkit/conformance"}
	out, err := exec.Command("go", append([]string{"list", "-deps"}, pkgs...)...).CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.NotContains(t, string(out), "github.com/redis/go-redis")
	out, err = exec.Command("go", "list", "-deps", "github.com/carrierkit/carrierkit/coordination/redis").CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.True(t, strings.Contains(string(out), "github.com/redis/go-redis/v9\n"), "the check can fail")
}
