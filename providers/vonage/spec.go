package vonage

// The published OpenAPI document of Vonage's API, in the folder of vendor
// specs, and the API root it declares. The adapter's registry entry names
// them, so the spec checks (carrierctl conformance, the contract tests)
// find the spec by provider name.
const (
	SpecFile = "vonage_voice.yml"
	SpecRoot = "https://api.nexmo.com/v1/calls"
)
