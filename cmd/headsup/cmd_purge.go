package main

import (
	"context"
	"errors"
)

func runPurge(ctx context.Context, env *environment, args []string) error {
	return errors.New("purge: not built yet")
}
