package participant_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/participant"
)

func TestTextRule(t *testing.T) {
	for _, ok := range []string{"agent 7", "ünïcödé", "v3:abc", "a/b?c#d%", "\u00a0"} {
		assert.Empty(t, participant.TextRule(ok), "%q", ok)
	}
	for _, bad := range []string{"a\r\nb", "\x00", "\t", "\x7f", "\u0085", "\u009f", "\xff", "a\xc3"} {
		assert.NotEmpty(t, participant.TextRule(bad), "%q", bad)
	}
}

func TestIDAndURLBounds(t *testing.T) {
	caps := participant.Capabilities{Provider: "p", Fields: participant.NewFieldSet(participant.AllFields()...)}
	long := strings.Repeat("a", participant.MaxIDBytes)
	_, err := participant.ValidateRef(participant.Ref{Account: long, Conference: long, Call: long}, "", caps)
	assert.NoError(t, err, "MaxIDBytes is allowed")
	_, err = participant.ValidateRef(participant.Ref{Account: "a", Conference: "c", Call: long + "a"}, "", caps)
	var pe *participant.Error
	require.True(t, errors.As(err, &pe))
	assert.Equal(t, "Ref.Call", pe.Field)
	_, err = participant.ValidateRef(participant.Ref{Conference: "c", Call: "x"}, "acc\nount", caps)
	require.True(t, errors.As(err, &pe))
	assert.Equal(t, "Ref.Account", pe.Field, "the default account is checked too")

	u := "https://x.example/" + strings.Repeat("a", participant.MaxURLBytes-len("https://x.example/"))
	assert.NoError(t, participant.Validate(&participant.UpdateRequest{HoldURL: &u}, caps), "MaxURLBytes is allowed")
	for _, bad := range []string{u + "a", "https://x.example/\u2029", "https://x.example/\u200b", "https://x.example/\ufeff",
		"https://exämple.com/", "https://x.example/\x7f"} {
		err := participant.Validate(&participant.UpdateRequest{HoldURL: &bad}, caps)
		require.True(t, errors.As(err, &pe), "%q", bad)
		assert.Equal(t, "HoldURL", pe.Field)
		assert.NotContains(t, err.Error(), "x.example", "the URL is not echoed")
	}
	ok := "https://x.example/m%C3%BCsik.mp3?sig=a%2Bb"
	assert.NoError(t, participant.Validate(&participant.UpdateRequest{HoldURL: &ok}, caps), "percent-encoded is fine")
}
