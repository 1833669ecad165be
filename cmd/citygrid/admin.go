package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/citygrid/citygrid/auth"
)

const adminUsage = `usage:
  citygrid keys add    -auth FILE -role feed|wall|… [-source 110] [-units SU-car-*] ID
                        prints the new key once; -source: the only source it posts for;
                        -units: the only units it reports positions of
  citygrid keys revoke -auth FILE ID
  citygrid keys list   -auth FILE
  citygrid users add    -auth FILE -role wall|operator|dispatcher|admin [-scope CODE] NAME
                        reads the password from stdin; -scope confines them to a region's cases
  citygrid users remove -auth FILE NAME
  citygrid users list   -auth FILE
The running server re-reads FILE within 2 s of a change`

// runAdmin runs the keys and users subcommands, which edit a credentials file.
func runAdmin(args []string, stdin io.Reader, stdout io.Writer, getenv func(string) string) error {
	if len(args) < 2 {
		return errors.New(adminUsage)
	}
	what, verb := args[0], args[1]
	fs := flag.NewFlagSet("citygrid "+what+" "+verb, flag.ContinueOnError)
	path := fs.String("auth", getenv("CITYGRID_AUTH"), "credentials file (CITYGRID_AUTH)")
	roleName := fs.String("role", "", "role")
	source := fs.String("source", "", "for feed keys: the source they speak for")
	units := fs.String("units", "", "for vehicle terminals' feed keys: the unit they report for, or a prefix ending in * (default any)")
	scope := fs.String("scope", "", "for users: the code of the region whose cases they see and move (default the whole city)")
	if err := fs.Parse(args[2:]); err != nil {
		return err
	}
	if *path == "" {
		return errors.New("-auth FILE is required\n" + adminUsage)
	}
	store, err := auth.Open(*path)
	if err != nil {
		return err
	}
	name := fs.Arg(0)
	needName := func() error {
		if name == "" {
			return errors.New(adminUsage)
		}
		return nil
	}
	role := func() (auth.Role, error) { return auth.ParseRole(*roleName) }
	switch what + " " + verb {
	case "keys add":
		r, err := role()
		if err != nil {
			return err
		}
		if err := needName(); err != nil {
			return err
		}
		key, err := store.AddBoundKey(name, r, *source, *units)
		if err != nil {
			return err
		}
		if err := store.Save(); err != nil {
			return err
		}
		fmt.Fprintln(stdout, key)
		return nil
	case "keys revoke":
		if err := needName(); err != nil {
			return err
		}
		if err := store.RevokeKey(name); err != nil {
			return err
		}
		return store.Save()
	case "keys list":
		for _, k := range store.Snapshot().Keys {
			state := "active"
			if k.Revoked {
				state = "revoked"
			}
			fmt.Fprintf(stdout, "%s\t%s\t%s\t%s\t%s\n", k.ID, k.Role, k.Source, k.Created.Format("2006-01-02"), state)
		}
		return nil
	case "users add":
		r, err := role()
		if err != nil {
			return err
		}
		if err := needName(); err != nil {
			return err
		}
		pw, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		if err := store.SetScopedUser(name, r, strings.TrimRight(pw, "\r\n"), *scope); err != nil {
			return err
		}
		return store.Save()
	case "users remove":
		if err := needName(); err != nil {
			return err
		}
		if err := store.RemoveUser(name); err != nil {
			return err
		}
		return store.Save()
	case "users list":
		for _, u := range store.Snapshot().Users {
			fmt.Fprintf(stdout, "%s\t%s\t%s\n", u.Name, u.Role, u.Scope)
		}
		return nil
	}
	return errors.New(adminUsage)
}
