package events_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
)

// The public test vectors of events.md §5, from the vendors' SDK tests.
const (
	vecToken = "12345"
	vecPath  = "/myapp.php?foo=1&bar=2"
	vecJSON  = `{"property": "value", "boolean": true}`
	vecHash  = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
)

// vecForm is the five parameters of §5.1, in the order a client sends them.
var vecForm = "CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B14158675309&To=%2B18005551212"

// vecFormV is vecForm with twilio-go v1.31.0's conference-end fields (§5.2).
var vecFormV = vecForm + "&ReasonConferenceEnded=test&Reason=Participant"

// hmacVector is one Twilio-family vector: the public URL the verifier is
// configured with, the request path, the body and the signature.
type hmacVector struct {
	name      string
	publicURL string
	path      string
	method    string
	body      string
	sig       string
}

var twilioVectors = []hmacVector{
	{"T1", "https://mycompany.com", vecPath, "POST", vecForm, "RSOYDt4T1cUTdK1PDd93/VVr8B8="},
	{"T2 signed with :443, received without", "https://mycompany.com", vecPath, "POST", vecForm, "kvajT1Ptam85bY51eRf/AJRuM3w="},
	{"T2 signed with :443, received with", "https://mycompany.com:443", vecPath, "POST", vecForm, "kvajT1Ptam85bY51eRf/AJRuM3w="},
	{"T1 signed without a port, received with :443", "https://mycompany.com:443", vecPath, "POST", vecForm, "RSOYDt4T1cUTdK1PDd93/VVr8B8="},
	{"T3 signed with :80", "http://mycompany.com", vecPath, "POST", vecForm, "0ZXoZLH/DfblKGATFgpif+LLRf4="},
	{"T4 signed with :1234", "http://mycompany.com:1234", vecPath, "POST", vecForm, "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="},
	{"T5 bodySHA256 with other params", "https://mycompany.com", vecPath + "&bodySHA256=" + vecHash, "POST", vecJSON, "a9nBmqA0ju/hNViExpshrM61xv4="},
	{"T6 bodySHA256 alone", "https://mycompany.com", "/myapp.php?bodySHA256=" + vecHash, "POST", vecJSON, "y77kIzt2vzLz71DgmJGsen2scGs="},
	{"T7 repeated names, values sorted", "https://mycompany.com", vecPath, "POST",
		"Sid=CA123&Digits=5678&SidAccount=AC123&Digits=1234", "IK+Dwps556ElfBT0I3Rgjkr1wJU="},
	{"V1 conference-end fields sorted by key", "https://mycompany.com", vecPath, "POST", vecFormV, "vOEb5UThFn24KEfnOFLQY2AE5FY="},
	{"V1 received on :1234 (any port removed)", "https://mycompany.com:1234", vecPath, "POST", vecFormV, "vOEb5UThFn24KEfnOFLQY2AE5FY="},
	{"V2 http", "http://mycompany.com", vecPath, "POST", vecFormV, "n2xBNyzSW7rfYStDtOFiFMv7qNo="},
	{"V2 http received on :1234", "http://mycompany.com:1234", vecPath, "POST", vecFormV, "n2xBNyzSW7rfYStDtOFiFMv7qNo="},
	{"V4 form body", "https://mycompany.com", vecPath, "POST", "property=value&boolean=true", "NBdBDr/T/lgjI+tlgpXjKZQZs/k="},
	{"plain http, no port (events.md, computed)", "http://mycompany.com", vecPath, "POST", vecForm, "OyGYPqTF6ztdbRNCvuQO/oPvqQ4="},
	// Computed with Python's hmac: a GET signs the URL alone.
	{"GET: the URL alone", "http://mycompany.com", vecPath, "GET", "", "Krz76qtZkHWPW2JOW2GXdAz6VQc="},
}

// Rejected: events.md's wrong sorts, wrong port rules and wrong schemes.
var twilioRejected = []hmacVector{
	{"V3 sorted as concatenated strings", "https://mycompany.com", vecPath, "POST", vecFormV, "95+Bu0JVPi0r/SsESZCVf0dWAjw="},
	{"T7 sorted as concatenated strings", "https://mycompany.com", vecPath, "POST",
		"Digits=1234&Digits=5678&Sid=CA123&SidAccount=AC123", "f2eNeQA03Kk6SUEEsqN6nCjnksU="},
	{"T4 (:1234) received without a port", "http://mycompany.com", vecPath, "POST", vecForm, "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="},
	{"T4 (:1234) received on :4321", "http://mycompany.com:4321", vecPath, "POST", vecForm, "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="},
	{"T2 (https :443) received over http", "http://mycompany.com", vecPath, "POST", vecForm, "kvajT1Ptam85bY51eRf/AJRuM3w="},
	{"T3 (http :80) received over https", "https://mycompany.com", vecPath, "POST", vecForm, "0ZXoZLH/DfblKGATFgpif+LLRf4="},
	{"T1 (https) received over http", "http://mycompany.com", vecPath, "POST", vecForm, "RSOYDt4T1cUTdK1PDd93/VVr8B8="},
	{"From and To swapped", "https://mycompany.com", vecPath, "POST",
		"CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B18005551212&To=%2B14158675309", "RSOYDt4T1cUTdK1PDd93/VVr8B8="},
	{"a parameter dropped", "https://mycompany.com", vecPath, "POST",
		"CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B14158675309", "RSOYDt4T1cUTdK1PDd93/VVr8B8="},
	{"the form signed as if the URL alone", "http://mycompany.com", vecPath, "POST", vecForm, "Krz76qtZkHWPW2JOW2GXdAz6VQc="},
	{"query parameters swapped", "https://mycompany.com", "/myapp.php?bar=2&foo=1", "POST", vecForm, "RSOYDt4T1cUTdK1PDd93/VVr8B8="},
}

// SignalWire (events.md §5.3): RELAY hex (A), compat form (B), bodySHA256 (C).
const swKey = "PSKtest1234567890abcdef"

var signalwireVectors = []hmacVector{
	{"A RELAY hex", "https://example.ngrok.io", "/webhook", "POST",
		`{"event":"call.state","params":{"call_id":"abc-123","state":"answered"}}`, "c3c08c1fefaf9ee198a100d5906765a6f394bf0f"},
	{"C bodySHA256", "https://example.ngrok.io", "/webhook?bodySHA256=69f3cbfc18e386ef8236cb7008cd5a54b7fed637a8cb3373b5a1591d7f0fd5f4", "POST",
		`{"event":"call.state"}`, "dfO9ek8mxyFtn2nMz24plPmPfIY="},
}

// The Ed25519 key of RFC 8032 §7.1 test 1, and a TeXML conference-start
// form body signed with it at vecTelnyxTS (computed with crypto/ed25519:
// Telnyx's SDK tests use fresh keys, so no vendor vector exists).
const (
	rfc8032Seed   = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
	rfc8032Public = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
	vecTelnyxTS   = "1705314600" // 2024-01-15T10:30:00Z, the payload's Timestamp
	vecTelnyxBody = "AccountSid=f5586561-8ff0-4291-a51b-c7dfe4139ff9&CallSid=v3%3A9X2vxPDFY2RHSJ1EdMS0RHRksMTg7ldNxdjWbVr9zBjbGjGsSe-aiQ" +
		"&ConferenceSid=conf_abc123def456&FriendlyName=MyConference&SequenceNumber=0&StatusCallbackEvent=conference-start" +
		"&Timestamp=2024-01-15T10%3A30%3A00Z&ParticipantLabel=participant-1"
	vecTelnyxSig = "Vf/4fZ1vTceq77gbD0J1acngd93wpHKZSZon0/2Ji511gi/KZspuxz6L4clpT2/TA00//KAUvtSr4UMJskXKBQ=="
)

func rfc8032Key() (ed25519.PrivateKey, ed25519.PublicKey) {
	seed, _ := hex.DecodeString(rfc8032Seed)
	priv := ed25519.NewKeyFromSeed(seed)
	pub, _ := hex.DecodeString(rfc8032Public)
	return priv, ed25519.PublicKey(pub)
}

func signTelnyx(priv ed25519.PrivateKey, ts, body string) string {
	return base64.StdEncoding.EncodeToString(ed25519.Sign(priv, []byte(ts+"|"+body)))
}

// newRequest builds the request as the app's server sees it: the path and
// query as received, the Host of the app (not the public one).
func newRequest(method, path, body string) *http.Request {
	r := httptest.NewRequest(method, "http://10.0.0.7:8080"+path, strings.NewReader(body))
	if method == http.MethodPost {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if strings.HasPrefix(body, "{") {
			r.Header.Set("Content-Type", "application/json")
		}
	}
	return r
}

func form(s string) url.Values {
	v, err := url.ParseQuery(s)
	if err != nil {
		panic(err)
	}
	return v
}
