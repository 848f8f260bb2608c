package bandwidth

// The published OpenAPI document of Bandwidth's API, in the folder of vendor
// specs, and the API root it declares. The adapter's registry entry names
// them, so the spec checks (carrierctl conformance, the contract tests)
// find the spec by provider name.
const (
	SpecFile = "bandwidth_voice.yml"
	SpecRoot = "https://voice.bandwidth.com/api/v2"
)
