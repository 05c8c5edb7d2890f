package main

import (
	"context"
	"errors"
)

func runModerator(ctx context.Context, env *environment, args []string) error {
	return errors.New("moderator: not built yet")
}

func runVAPID(ctx context.Context, env *environment, args []string) error {
	return errors.New("vapid: not built yet")
}

func runPurge(ctx context.Context, env *environment, args []string) error {
	return errors.New("purge: not built yet")
}
