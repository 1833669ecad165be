// Command feedsim feeds a citygrid server with simulated incidents and patrol
// positions for a city profile: a live demo when run at a few incidents a
// second, a load generator at thousands.
//
//	feedsim -url http://127.0.0.1:8080 -rate 5 -units 120
//	feedsim -rate 20000 -duration 1m   # load test
//
// The rate is the peak-hour rate; the simulator follows the city's day and
// night (but never drops below 15% of it). Units obey the server's dispatches:
// the simulator reads the active ones once a second (with the same key), and a
// unit on one drives to the scene, is busy there a while, then reports
// available; a server without dispatches just sees units patrol. Stats are
// printed every 10 s and at the end. Interrupt with Ctrl-C.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/citygrid/citygrid/geo"
	"github.com/citygrid/citygrid/profiles"
	"github.com/citygrid/citygrid/sim"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:])
	stop()
	if err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("feedsim", flag.ContinueOnError)
	url := fs.String("url", envOr("CITYGRID_URL", "http://127.0.0.1:8080"), "citygrid base URL (env CITYGRID_URL)")
	rate := fs.Float64("rate", 5, "incidents per second at peak hours")
	units := fs.Int("units", 120, "patrol units")
	name := fs.String("profile", profiles.Default, "city profile")
	duration := fs.Duration("duration", 0, "how long to run; 0 runs until interrupted")
	key := fs.String("key", os.Getenv("CITYGRID_KEY"), "API key sent as a bearer token (env CITYGRID_KEY)")
	seed := fs.Int64("seed", 0, "random seed; 0 picks one from the clock")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}

	profile, err := geo.LoadProfile(profiles.FS, *name)
	if err != nil {
		return err
	}
	s, err := sim.New(sim.Config{URL: *url, Profile: profile, Rate: *rate, Units: *units, APIKey: *key, Seed: *seed})
	if err != nil {
		return err
	}
	if *duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *duration)
		defer cancel()
	}

	log.Printf("feedsim: %s, %g incidents/s at peak, %d units -> %s", profile.Name, *rate, *units, *url)
	start := time.Now()
	done := make(chan struct{})
	go func() {
		defer close(done)
		report(ctx, s, start)
	}()
	err = s.Run(ctx)
	<-done
	st := s.Stats()
	log.Printf("feedsim: done after %s: %s, %.0f events/s accepted",
		time.Since(start).Round(time.Second), format(st), perSecond(st.Accepted, time.Since(start)))
	return err
}

// report prints the stats every 10 s until ctx ends, with the accepted rate over
// the last interval: the number to watch in a load test.
func report(ctx context.Context, s *sim.Simulator, start time.Time) {
	t := time.NewTicker(10 * time.Second)
	defer t.Stop()
	last, lastAt := s.Stats(), start
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			st := s.Stats()
			log.Printf("feedsim: %s, %.0f events/s accepted", format(st), perSecond(st.Accepted-last.Accepted, now.Sub(lastAt)))
			last, lastAt = st, now
		}
	}
}

func format(st sim.Stats) string {
	return fmt.Sprintf("sent %d accepted %d duplicates %d rejected %d retries %d errors %d dispatches taken %d cleared %d",
		st.Sent, st.Accepted, st.Duplicates, st.Rejected, st.Retries, st.Errors, st.Orders, st.Cleared)
}

func perSecond(n int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
