package main

import (
	"fmt"
	"time"
	// The zone database goes into the binary: a distroless or scratch image has no
	// /usr/share/zoneinfo, and a moderator's times must not silently fall back to UTC.
	_ "time/tzdata"

	"github.com/headsup/headsup/config"
)

// defaultTimeZone is the zone of the built-in areas, Washington DC's wards.
const defaultTimeZone = "America/New_York"

// timeZone is the organisation's zone, where pages show times and where an expiry picked as a
// day ends: HEADSUP_TIME_ZONE, or the default areas' zone. The areas file is a plain list, so
// it cannot carry a zone of its own; an organisation elsewhere sets HEADSUP_TIME_ZONE.
func timeZone(cfg config.Config) (*time.Location, error) {
	name := cfg.TimeZone
	if name == "" {
		name = defaultTimeZone
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("HEADSUP_TIME_ZONE %q: %w", name, err)
	}
	return loc, nil
}
