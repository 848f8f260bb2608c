package vonagetest

import (
	"github.com/golang-jwt/jwt/v5"

	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/internal/emulator"
	"github.com/carrierkit/carrierkit/internal/vendorfake"
	"github.com/carrierkit/carrierkit/providers"
	"github.com/carrierkit/carrierkit/providers/vonage"
)

// The emulator's demo data for Vonage: fixed, so commands written against
// one run work against the next, and the emulator's own application and
// key, not a carrier's (generated for the emulator; it signs nothing
// anywhere else). Legs are addressed by uuid: no labels.
const (
	DemoApplicationID = "00000000-0000-4000-8000-00000000e001"
	DemoConversation  = "CON-00000000-0000-4000-8000-00000000c001"
	DemoAgentLeg      = "00000000-0000-4000-8000-0000000000b1"
	DemoCustomerLeg   = "00000000-0000-4000-8000-0000000000b2"
)

// DemoPrivateKey is the emulator's demo application key (PKCS#8 PEM).
const DemoPrivateKey = `-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDlLYQV+VbBzYsI
3cqFM28DJpmb9FXYncb6R1Nhvua5TSW5zO9z1gSZtNpZvPXwK7zmNCi+4Q2PlVRa
n6pQPrJGjmI2YWFw2OjKHMEpLlXSBw6+Tser0RLS0BQ/7Bpg4zweooBi5wOLTPp6
IwrywkA2fKWtEJMMqfoMk9ERBT5SzPUnuI4gM+UEIHs7xwZQUnXgiRaN4v5p0f9p
t8a5JtAtbXDgxYJtYoanyRH2IHRjFpw1E4dcU4BhHlsk/+Lh514xpFU5mau8odgm
17QJw4n0vfxi1nXYEodMGT+apZ8g8NKVL9eqfUiBSSCSrFn2i/rAN5oVzmmNiFtk
un7SE9SnAgMBAAECggEAJzPGfOXGZ+driYw66NcX/b98FjfQ+XlfwI8z3awElpzy
P5qlOTjaV5qeoSwYG8m3id9ROvmPUsjWAZx/SzO2Vihj925n9yA7jdsmVY+GAaPQ
a1BZinP8ltAeLqMKDhnAvnLIqGJg8lKsI/lblZQR3OAsjPKhXNC0o7MjV5iAhTQU
NuVJ5SxQEPK9VLF1XNNh2WqazyLo1xcE3CPeKbRW1JLzPsvDbEpxEVm7M8ba83nA
y8c9/u68aVxrDPeJJOh6dFE/Rx498gnaaQJwmQTUEwwEye2ujv1sXvMSr2pO7hNq
m6la0ZOtobfejenoswyWg0rArB4aYX0g1yyiFjQ/+QKBgQD3XFewhDjPtU7kKB3y
4cnm1NkPO/yB6hRnPKy0SKvHiJyopnfWhO+elkfR2agbObVYbv3lMiL6KJdE4Mup
ppqhf5WrN1r39wVWfReSZ/VJnLCwGPAjEe9fB6rjtyPJ7/iCH6auKBVXtPH9ibR2
bjGfDdbvyfK9rERY2ErNP3X0KQKBgQDtLpl93CT7OTh1cPjZ7MZzdvWjX7MVaDYr
Exi+ZAvnImTu3yGsaL47wTI55lNE7tvUT9QrJwKVFaw+I+agDQJIyTgzO1V04ydq
3V/GBwbY+xjSh50rWwbYGvleTz8NnvwRCuHhIhLTuw2/fNOFMvyGVXbfsHF2Yph7
tURnDVEcTwKBgBk/KpAQnr/McJXm5k+g7fuKY/EjHT2hR53V2oa4GBhQgDTScM7L
WK2mBwSLI5ZLyI+THITlHh7MP8w+6WqSX5v2Kq+EAdvnMXtHXz2JMMbnoD0I/pGF
xhm77Zw6WAPHY2TcmCWUX8FI7Z4EDRA9ZQEn53Un9oeXao5q3Q+f14kpAoGBANrT
gJfncVM7gsSP23ishJfpLE50L/TTNg7dypl2EqlISVk+EoJQDRtybtWOlEroGXez
wyuhDTfhTA3074XBGtduluRlnL2AClEFN6SrvPyaBlfO+QoULKdbk7EYajM1+Jf8
s1QULMyeKtv93eVpmiSSW1+cGcLAyrBwGFD/r1LvAoGBAK3h3XDhJfnUpA+3pzgQ
6KtVHQRO89IvMvVt1GWpDWtZPzMWeXvngVOnyJpzvUZzyjVszaIvGudchhKCmK8A
mMa5dmoC1PiNMfy3mlOJaNlieAKlEvjftdJjQ3B+Pd7etF6ePFE/pyKXNBwJxFZO
x51a9/tdgv4CgItFA6sVXEqs
-----END PRIVATE KEY-----`

func init() {
	key, err := jwt.ParseRSAPrivateKeyFromPEM([]byte(DemoPrivateKey))
	if err != nil {
		panic("vonagetest: demo key: " + err.Error())
	}
	emulator.Attach(providers.DefaultURLMux(), vonage.Name, emulator.Carrier{
		Prefix: PathPrefix,
		Root:   "",
		New: func() (*vendorfake.Server, emulator.Demo) {
			return vendorfake.Engine(New(Config{ApplicationID: DemoApplicationID, PublicKey: &key.PublicKey})), emulator.Demo{
				Account: DemoApplicationID,
				Credentials: map[string]string{vonage.EnvApplicationID: DemoApplicationID,
					vonage.EnvPrivateKey: DemoPrivateKey},
				Conference:   DemoConversation,
				Participants: []emulator.Seeded{{Call: DemoAgentLeg}, {Call: DemoCustomerLeg}},
			}
		},
		Opener: func(d emulator.Demo, opts driver.Options) any {
			return &vonage.URLOpener{ApplicationID: d.Account, PrivateKey: []byte(d.Credentials[vonage.EnvPrivateKey]), Options: opts}
		},
		CredentialsHelp: vonage.EnvApplicationID + " with " + vonage.EnvPrivateKey + " (PEM) or " + vonage.EnvPrivateKeyPath,
	})
}
