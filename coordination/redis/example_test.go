package redis_test

import (
	"context"
	"log"
	"os"

	"github.com/carrierkit/carrierkit/batch"
	"github.com/carrierkit/carrierkit/coordination/redis"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/config"
	"github.com/carrierkit/carrierkit/providers/router"
)

// Four instances of an app share one carrier account's limit of 50
// concurrent updates, and the health of its endpoints, through Redis. (It
// needs a Redis and carriers.json, so it is compiled but not run.)
func ExampleOpen() {
	ctx := context.Background()
	c, err := redis.Open(os.Getenv("CARRIERKIT_REDIS_URL"), redis.Options{Instances: 4})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	lim := batch.NewSharedLimiter(50, c.Account("AC00000000000000000000000000000001")) // 50 in flight across every instance

	cfg, err := config.LoadFile("carriers.json", nil)
	if err != nil {
		log.Fatal(err)
	}
	r, err := config.OpenRouter(ctx, cfg, router.Options{Shared: c}) // endpoint health shared too
	if err != nil {
		log.Fatal(err)
	}
	results, err := batch.UpdateAll(ctx, r.Client(), participant.ConferenceRef{Carrier: "us", Conference: "CF00000000000000000000000000000002"},
		participant.UpdateRequest{Muted: participant.Bool(true)}, batch.Options{Except: []string{"moderator"}, Limiter: lim})
	if err != nil {
		log.Fatal(err)
	}
	for _, res := range batch.Failed(results) {
		log.Println(res.Call, res.Err)
	}
}
