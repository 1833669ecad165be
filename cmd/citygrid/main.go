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
	"log"
	"os"
	"os/signal"
	"syscall"
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
	app, err := newApp(ctx, cfg)
	if err != nil {
		return err
	}
	return app.Run(ctx)
}
