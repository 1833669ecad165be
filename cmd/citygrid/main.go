// Command citygrid is the command center's server: it takes incident and patrol
// feeds over HTTP, appends them to Redis streams, folds the streams into live
// heat and unit positions, and pushes them to wall displays over websocket.
//
//	citygrid                        embedded Redis (memory only), Suzhou profile
//	citygrid -simulate              … with the built-in simulator feeding it
//	citygrid -redis redis://host:6379/0 -addr 0.0.0.0:8080 -auth auth.json
//	citygrid users add -auth auth.json -role admin NAME   (password on stdin)
//	citygrid keys add -auth auth.json -role feed -source 110 ID
//
// Every flag has an environment twin (CITYGRID_ADDR, CITYGRID_REDIS, …).
package main

import (
	"context"
	"errors"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/citygrid/citygrid/stream"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) > 0 && (args[0] == "keys" || args[0] == "users") {
		return runAdmin(args, os.Stdin, os.Stdout, os.Getenv)
	}
	cfg, err := parseConfig(args, os.Getenv)
	if err != nil {
		return err
	}
	return serve(ctx, cfg, nil)
}

// serve runs the server until ctx ends. When Redis is found to have lost its
// data (stream.ErrHistoryLost), the live state was folded from events no
// longer there: the server stops as it would for a restart and starts again
// on the same address, rebuilding from what Redis holds, as an operator
// restarting it would. Clients see a few seconds' gap (walls reconnect by
// themselves); /readyz and the wall then say history was lost. started, when
// set, is told of each start.
func serve(ctx context.Context, cfg Config, started func(*app)) error {
	for {
		life, end := context.WithCancel(ctx)
		a, err := newApp(life, cfg)
		if err != nil {
			end()
			return err
		}
		if started != nil {
			started(a)
		}
		err = a.Run(life)
		end()
		if !errors.Is(err, stream.ErrHistoryLost) || ctx.Err() != nil {
			return err
		}
		cfg.Addr = a.Addr() // the same port, even when it was chosen (":0")
		log.Printf("citygrid: Redis lost its data; starting again to rebuild the live state from what it holds")
	}
}
