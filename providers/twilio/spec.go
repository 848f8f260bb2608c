package twilio

// The published OpenAPI document of Twilio's API, in the folder of vendor
// specs, and the API root it declares. The adapter's registry entry names
// them, so the spec checks (carrierctl conformance, the contract tests)
// find the spec by provider name.
const (
	SpecFile = "twilio_api_v2010.json"
	SpecRoot = "https://api.twilio.com"
)
