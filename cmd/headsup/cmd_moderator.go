package main

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/headsup/headsup/moderation"
	"github.com/headsup/headsup/store"
)

// cliActor is who the audit log names for account changes made on the server's command line.
const cliActor = "command-line"

// runModerator manages accounts: add, list, disable, reset. It opens the same database as
// serve; with the embedded database a running server and this command share the SQLite files,
// which SQLite allows.
func runModerator(ctx context.Context, env *environment, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fs := newFlags(env, "moderator", false)
		fs.Usage()
		if len(args) == 0 {
			return usagef("moderator needs a subcommand: add, list, disable, enable or reset")
		}
		return nil
	}
	sub, args := args[0], args[1:]
	fs := newFlags(env, "moderator", false)
	var name, role string
	switch sub {
	case "add":
		fs.StringVar(&name, "name", "", "the account name (2 to 40 letters, digits, . - _)")
		fs.StringVar(&role, "role", "moderator", "moderator, admin or outreach (files reports for others, sees no queue)")
	case "list", "disable", "enable", "reset":
	default:
		return usagef("unknown moderator subcommand %q: use add, list, disable, enable or reset", sub)
	}
	if helped, err := parseFlags(fs, args); helped || err != nil {
		return err
	}
	switch sub {
	case "add":
		if fs.NArg() > 0 {
			return usagef("moderator add takes --name NAME and --role ROLE, not %q", fs.Arg(0))
		}
		if !moderation.ValidName(name) {
			return usagef("%s", moderation.ErrBadName.Error())
		}
		if !moderation.ValidRole(role) {
			return usagef("%s", moderation.ErrBadRole.Error())
		}
	case "disable", "enable", "reset":
		if fs.NArg() != 1 {
			return usagef("usage: headsup moderator %s NAME", sub)
		}
		name = fs.Arg(0)
	case "list":
		if fs.NArg() > 0 {
			return usagef("moderator list takes no arguments")
		}
	}

	a, err := openForCommand(ctx, env)
	if err != nil {
		return err
	}
	defer a.close(context.Background())
	cfg, log, s := a.cfg, a.log, a.store
	accounts := &moderation.Accounts{Store: s, Log: log}
	signIn := cfg.BaseURL + "/moderation/login"

	switch sub {
	case "add":
		otp, err := accounts.Add(ctx, cliActor, name, role)
		if errors.Is(err, store.ErrExists) {
			return usagef("there is already a moderator named %q; use \"headsup moderator reset %s\" for a new password", name, name)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "Created %s %q.\n\nOne-time password (shown only now):\n  %s\n\nSign in at:\n  %s\n\nThey will choose their own password and set up an authenticator app at first sign-in.\n",
			role, name, otp, signIn)
	case "reset":
		otp, err := accounts.Reset(ctx, cliActor, name)
		if moderation.IsNotFound(err) {
			return usagef("no moderator named %q", name)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "Reset %q: their sessions are ended and their authenticator must be set up again.\n\nOne-time password (shown only now):\n  %s\n\nSign in at:\n  %s\n", name, otp, signIn)
	case "disable", "enable":
		err := accounts.SetDisabled(ctx, cliActor, name, sub == "disable")
		if moderation.IsNotFound(err) {
			return usagef("no moderator named %q", name)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "%s %q.\n", map[string]string{"disable": "Disabled (and signed out)", "enable": "Enabled"}[sub], name)
	case "list":
		list, err := accounts.List(ctx)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			fmt.Fprintln(env.stdout, "No moderators yet. Create one with: headsup moderator add --name NAME --role admin")
			return nil
		}
		tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tROLE\tSTATE\tLAST SIGN-IN")
		for _, m := range list {
			state := "active"
			switch {
			case m.Disabled:
				state = "disabled"
			case m.MustChangePassword:
				state = "waiting for first sign-in"
			case !m.TOTPEnrolled:
				state = "authenticator not set up"
			}
			last := "never"
			if !m.LastSignIn.IsZero() {
				last = m.LastSignIn.UTC().Format("2006-01-02 15:04 UTC")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", m.Name, m.Role, state, last)
		}
		return tw.Flush()
	}
	return nil
}
