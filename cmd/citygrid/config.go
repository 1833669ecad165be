package main

import (
	"flag"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/localredis"
	"github.com/citygrid/citygrid/profiles"
	"github.com/redis/go-redis/v9"
)

// Config is everything the server can be told, from flags or their env twins.
type Config struct {
	Addr      string        // -addr, CITYGRID_ADDR
	Redis     string        // -redis, CITYGRID_REDIS; empty: a private redis-server in Data (memory when none is installed); "memory": embedded, memory only
	Data      string        // -data, CITYGRID_DATA: the private redis-server's folder
	Basemap   string        // -basemap, CITYGRID_BASEMAP: a PMTiles archive of the base map
	Profile   string        // -profile, CITYGRID_PROFILE
	Simulate  bool          // -simulate, CITYGRID_SIMULATE
	SimRate   float64       // -sim-rate, CITYGRID_SIM_RATE
	Prefix    string        // -prefix, CITYGRID_PREFIX: first part of every Redis key
	ShardRes  int           // -shard-res, CITYGRID_SHARD_RES
	Retention time.Duration // -retention, CITYGRID_RETENTION
	Tick      time.Duration // -tick, CITYGRID_TICK
	MaxBody   int64         // -max-body, CITYGRID_MAX_BODY, bytes
	MaxItems  int           // -max-items, CITYGRID_MAX_ITEMS
	Auth      string        // -auth, CITYGRID_AUTH: credentials file
	AuthJSON  string        // CITYGRID_AUTH_JSON: credentials inline, when there is no file
	TLSCert   string        // -tls-cert, CITYGRID_TLS_CERT
	TLSKey    string        // -tls-key, CITYGRID_TLS_KEY
	Origins   string        // -origins, CITYGRID_ORIGINS: other origins allowed to open /ws
	RateLimit float64       // -rate-limit, CITYGRID_RATE_LIMIT: requests/s per identity
	WSPerIP   int           // -ws-per-ip, CITYGRID_WS_PER_IP
	Replays   int           // -replays, CITYGRID_REPLAYS: replays at once on the node
	Rules     string        // -rules, CITYGRID_RULES: alert rules file; empty: the profile's
	// Connections: how long one may idle between requests or take to send a
	// request or its answer (the websocket excepted), and how many may be
	// open in all and from one address.
	IdleTimeout  time.Duration // -idle-timeout, CITYGRID_IDLE_TIMEOUT
	ReadTimeout  time.Duration // -read-timeout, CITYGRID_READ_TIMEOUT
	WriteTimeout time.Duration // -write-timeout, CITYGRID_WRITE_TIMEOUT
	MaxConns     int           // -max-conns, CITYGRID_MAX_CONNS; 0: from the descriptor limit
	MaxConnsIP   int           // -max-conns-per-ip, CITYGRID_MAX_CONNS_PER_IP; 0: no bound

	now        func() time.Time // tests inject a clock
	epochEvery time.Duration    // how often Redis's epoch is checked; zero: 2 s
	hoursEvery time.Duration    // how often the briefing's hours are stored; zero: 10 s
	redisHook  redis.Hook       // tests watch or hold the server's Redis calls
}

// parseConfig reads flags, falling back to env for each flag not given.
func parseConfig(args []string, getenv func(string) string) (Config, error) {
	var c Config
	fs := flag.NewFlagSet("citygrid", flag.ContinueOnError)
	fs.StringVar(&c.Addr, "addr", "127.0.0.1:8080", "listen address (CITYGRID_ADDR)")
	fs.StringVar(&c.Redis, "redis", "", "redis:// URL; empty runs a private redis-server keeping its data in -data (an embedded in-memory one when redis-server is not installed); memory: the embedded one, which keeps nothing (CITYGRID_REDIS)")
	fs.StringVar(&c.Basemap, "basemap", "", "a PMTiles archive (Protomaps basemap schema) the page draws under the heat; empty: the profile's tile URL, or none (CITYGRID_BASEMAP)")
	fs.StringVar(&c.Data, "data", "", "folder of the private redis-server when -redis is empty; empty: "+localredis.DefaultDir()+" (CITYGRID_DATA)")
	fs.StringVar(&c.Profile, "profile", profiles.Default, "city profile (CITYGRID_PROFILE)")
	fs.BoolVar(&c.Simulate, "simulate", false, "feed the built-in simulator into this server (CITYGRID_SIMULATE)")
	fs.Float64Var(&c.SimRate, "sim-rate", 5, "simulated incidents per second (CITYGRID_SIM_RATE)")
	fs.StringVar(&c.Prefix, "prefix", "citygrid", "prefix of every Redis key (CITYGRID_PREFIX)")
	fs.IntVar(&c.ShardRes, "shard-res", 4, "H3 resolution of the stream shards (CITYGRID_SHARD_RES)")
	fs.DurationVar(&c.Retention, "retention", 7*24*time.Hour, "how long events are kept in the streams (CITYGRID_RETENTION)")
	fs.DurationVar(&c.Tick, "tick", 250*time.Millisecond, "how often websocket clients get deltas (CITYGRID_TICK)")
	fs.Int64Var(&c.MaxBody, "max-body", 16<<20, "largest ingest body in bytes (CITYGRID_MAX_BODY)")
	fs.IntVar(&c.MaxItems, "max-items", 10000, "most items in one ingest request (CITYGRID_MAX_ITEMS)")
	fs.StringVar(&c.Auth, "auth", "", "credentials file made by 'citygrid keys' and 'citygrid users' (CITYGRID_AUTH); none: open, loopback only")
	fs.StringVar(&c.TLSCert, "tls-cert", "", "TLS certificate file; with -tls-key serves HTTPS (CITYGRID_TLS_CERT)")
	fs.StringVar(&c.TLSKey, "tls-key", "", "TLS key file (CITYGRID_TLS_KEY)")
	fs.StringVar(&c.Origins, "origins", "", "comma-separated hosts, besides the server's own, whose pages may open /ws (CITYGRID_ORIGINS)")
	fs.Float64Var(&c.RateLimit, "rate-limit", 50, "requests per second per key, user or address when credentials are on; 0: no limit (CITYGRID_RATE_LIMIT)")
	fs.IntVar(&c.WSPerIP, "ws-per-ip", 64, "websocket connections per address when credentials are on; 0: no limit (CITYGRID_WS_PER_IP)")
	fs.IntVar(&c.Replays, "replays", 4, "most replays running at once on this server; each holds a day of heat in memory (CITYGRID_REPLAYS)")
	fs.StringVar(&c.Rules, "rules", "", "alert and dispatch rules file, re-read when it changes; empty: the profile's rules.json (CITYGRID_RULES)")
	fs.DurationVar(&c.IdleTimeout, "idle-timeout", time.Minute, "how long a connection may idle between requests (CITYGRID_IDLE_TIMEOUT)")
	fs.DurationVar(&c.ReadTimeout, "read-timeout", time.Minute, "how long a client may take to send a request, body included (CITYGRID_READ_TIMEOUT)")
	fs.DurationVar(&c.WriteTimeout, "write-timeout", 2*time.Minute, "how long an answer may take to send; websockets excepted (CITYGRID_WRITE_TIMEOUT)")
	fs.IntVar(&c.MaxConns, "max-conns", 0, "most connections open at once; 0: the descriptor limit less a reserve (CITYGRID_MAX_CONNS)")
	fs.IntVar(&c.MaxConnsIP, "max-conns-per-ip", 512, "most connections open at once from one address; 0: no bound (CITYGRID_MAX_CONNS_PER_IP)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		env := "CITYGRID_" + envName(f.Name)
		if v := getenv(env); v != "" && !given[f.Name] && err == nil {
			if e := f.Value.Set(v); e != nil {
				err = fmt.Errorf("%s=%q: %v", env, v, e)
			}
		}
	})
	if err != nil {
		return c, err
	}
	c.AuthJSON = getenv("CITYGRID_AUTH_JSON")
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return c, fmt.Errorf("-tls-cert and -tls-key go together")
	}
	if c.ShardRes < 1 || c.ShardRes > 7 {
		// Resolution 0 would put a city in one or two shards of a continent
		// (and the layout reads a zero as "the default").
		return c, fmt.Errorf("-shard-res: must be between 1 and 7, not %d", c.ShardRes)
	}
	if c.Replays < 1 {
		return c, fmt.Errorf("-replays: must be at least 1, not %d", c.Replays)
	}
	if c.Retention < time.Hour*25 {
		return c, fmt.Errorf("-retention: must cover the 24h window and then some (at least 25h), not %v", c.Retention)
	}
	if c.Tick < 10*time.Millisecond {
		return c, fmt.Errorf("-tick: at least 10ms, not %v", c.Tick)
	}
	return c, nil
}

func envName(flagName string) string {
	b := []byte(flagName)
	for i, ch := range b {
		switch {
		case ch == '-':
			b[i] = '_'
		case 'a' <= ch && ch <= 'z':
			b[i] = ch - 'a' + 'A'
		}
	}
	return string(b)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// loopback reports whether addr listens on loopback only.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
