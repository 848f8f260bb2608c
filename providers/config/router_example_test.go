package config_test

import (
	"context"
	"log"

	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/config"
	"github.com/carrierkit/carrierkit/providers/router"
)

// Route each update to the carrier that owns the call, failing over
// between its endpoints, from a config file. (It needs carriers.json and
// credentials, so it is compiled but not run.)
func ExampleOpenRouter() {
	ctx := context.Background()
	cfg, err := config.LoadFile("carriers.json", nil)
	if err != nil {
		log.Fatal(err)
	}
	r, err := config.OpenRouter(ctx, cfg, router.Options{})
	if err != nil {
		log.Fatal(err)
	}
	c := r.Client() // Update, Fetch, List, Remove, CheckRef, Close, as for one adapter
	defer c.Close()
	ref := participant.Ref{Account: "AC00000000000000000000000000000001",
		Conference: "CF00000000000000000000000000000002", Call: "agent-7"}
	p, err := c.Update(ctx, ref, participant.UpdateRequest{Muted: participant.Bool(true)})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := c.Fetch(ctx, p.Ref()); err != nil { // p.Carrier is set: the ref routes back to the same carrier
		log.Fatal(err)
	}
	for _, h := range r.Health() {
		log.Println(h.Name, h.Healthy())
	}
}
