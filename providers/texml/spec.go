package texml

// The published OpenAPI document of Telnyx's API, in the folder of vendor
// specs, and the API root it declares. The adapter's registry entry names
// them, so the spec checks (carrierctl conformance, the contract tests)
// find the spec by provider name.
const (
	SpecFile = "telnyx_spec3.yml"
	SpecRoot = "https://api.telnyx.com/v2"
)
