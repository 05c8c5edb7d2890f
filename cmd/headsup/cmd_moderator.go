package main

import (
	"context"
	"errors"
)

func runModerator(ctx context.Context, env *environment, args []string) error {
	return errors.New("moderator: not built yet")
}
