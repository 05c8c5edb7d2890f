package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/headsup/headsup/config"
)

// usageError is a mistake in the command line or the configuration; main exits with code 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return &usageError{fmt.Errorf(format, args...)} }

// command is one subcommand of headsup.
type command struct {
	name    string
	summary string
	usage   string
	run     func(ctx context.Context, env *environment, args []string) error
}

// environment is what every command gets from run: its streams and the configuration.
type environment struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

func commands() []command {
	return []command{
		{"serve", "run the web server (the default command)", "headsup serve", runServe},
		{"moderator", "manage moderator accounts: add, list, disable, enable, reset", "headsup moderator add --name NAME [--role moderator|admin|outreach]\n       headsup moderator list\n       headsup moderator disable|enable|reset NAME", runModerator},
		{"vapid", "print the public VAPID key browsers subscribe with", "headsup vapid", runVAPID},
		{"purge", "delete raw report text past retention, and expired records, now", "headsup purge", runPurge},
		{"export", "write alerts and settings as JSON lines to standard output, for backups and moves", "headsup export > backup.jsonl", runExport},
		{"import", "read alerts and settings written by export from standard input", "headsup import < backup.jsonl", runImport},
		{"backup", "copy the embedded database to a file, safely while the server runs", "headsup backup FILE", runBackup},
		{"migrate", "copy every record to another, empty database: the embedded one to MongoDB or back", "headsup migrate --to mongodb://HOST/ | sqlite:FOLDER [--from mongodb://HOST/ | sqlite:FOLDER]", runMigrate},
		{"healthcheck", "exit 0 if the local server answers /healthz (for container health checks)", "headsup healthcheck", runHealthcheck},
	}
}

// run is the whole program; main only supplies the process's environment, so tests call it too.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	env := &environment{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help" || args[0] == "help") {
		printHelp(stdout) // the whole program: commands and every variable
		return nil
	}
	name := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, env, args)
		}
	}
	printHelp(stderr)
	return usagef("unknown command %q", name)
}

// newFlags returns a flag set whose -h prints the command's usage and, for commands that read
// the configuration, every environment variable with its default.
func newFlags(env *environment, c string, withVars bool) *flag.FlagSet {
	fs := flag.NewFlagSet("headsup "+c, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	fs.Usage = func() {
		for _, cmd := range commands() {
			if cmd.name == c {
				fmt.Fprintf(env.stdout, "Usage: %s\n\n%s.\n", cmd.usage, strings.ToUpper(cmd.summary[:1])+cmd.summary[1:])
			}
		}
		if hasFlags(fs) {
			fmt.Fprintln(env.stdout, "\nFlags:")
			fs.SetOutput(env.stdout)
			fs.PrintDefaults()
			fs.SetOutput(env.stderr)
		}
		if withVars {
			printVars(env.stdout)
		}
	}
	return fs
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// parseFlags parses args; -h is not an error but a request that was answered.
func parseFlags(fs *flag.FlagSet, args []string) (helped bool, err error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return true, nil
		}
		return false, &usageError{err}
	}
	return false, nil
}

// parseNoArgs is parseFlags for a command that takes no arguments: a stray word (a typo, a
// misplaced value) is a usage error rather than silently ignored.
func parseNoArgs(fs *flag.FlagSet, args []string) (helped bool, err error) {
	if helped, err := parseFlags(fs, args); helped || err != nil {
		return helped, err
	}
	if fs.NArg() > 0 {
		return false, usagef("%s takes no arguments (got %q); see %s -h", fs.Name(), fs.Args(), fs.Name())
	}
	return false, nil
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, `Heads Up: anonymous bad-date and bad-batch alerts for harm-reduction organisations.

Usage: headsup [command] [flags]

Commands:`)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, c := range commands() {
		fmt.Fprintf(tw, "  %s\t%s\n", c.name, c.summary)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nRun \"headsup COMMAND -h\" for a command's flags.")
	printVars(w)
}

func printVars(w io.Writer) {
	fmt.Fprintln(w, "\nConfiguration (environment variables; secrets may be given as NAME_FILE, a path to read):")
	// The name and default on one line, the meaning indented below: one long default (the push
	// services) in a column would widen every row past any terminal.
	for _, v := range config.Vars {
		if v.Default == "" {
			fmt.Fprintf(w, "  %s\n", v.Name)
		} else {
			fmt.Fprintf(w, "  %s (default %s)\n", v.Name, v.Default)
		}
		fmt.Fprintf(w, "      %s\n", v.Help)
	}
}

// loadConfig reads the configuration; a bad setting is a usage error (exit code 2).
func loadConfig(env *environment) (config.Config, error) {
	cfg, err := config.Load(env.getenv)
	if err != nil {
		return cfg, &usageError{err}
	}
	return cfg, nil
}
