package main

import (
	"context"
	"errors"
)

func runVAPID(ctx context.Context, env *environment, args []string) error {
	return errors.New("vapid: not built yet")
}
