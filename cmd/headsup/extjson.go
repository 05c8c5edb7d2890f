package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// plainJSON rewrites a document in MongoDB extended JSON, as the FerretDB-based releases'
// export wrote it ({"$date":{"$numberLong":"…"}}, {"$numberInt":"2"}, …), as plain JSON that
// encoding/json decodes into Go types: dates become RFC 3339 strings and numbers plain numbers.
// A document that is plain JSON already comes out unchanged in meaning. Doing this here keeps
// the MongoDB driver, which has the real decoder, inside the MongoDB engine.
func plainJSON(doc []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber() // 64-bit integers must not pass through float64
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	v, err := plainValue(v)
	if err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

func plainValue(v any) (any, error) {
	switch x := v.(type) {
	case []any:
		for i := range x {
			var err error
			if x[i], err = plainValue(x[i]); err != nil {
				return nil, err
			}
		}
		return x, nil
	case map[string]any:
		if len(x) == 1 {
			for k, inner := range x {
				if p, ok, err := extendedValue(k, inner); ok || err != nil {
					return p, err
				}
			}
		}
		for k := range x {
			var err error
			if x[k], err = plainValue(x[k]); err != nil {
				return nil, err
			}
		}
		return x, nil
	}
	return v, nil
}

// extendedValue decodes the one-key objects of extended JSON that stored alerts and settings
// can hold; ok is false for an ordinary object.
func extendedValue(key string, v any) (out any, ok bool, err error) {
	switch key {
	case "$numberInt", "$numberLong", "$numberDouble":
		s, isString := v.(string)
		if !isString {
			return nil, true, fmt.Errorf("%s is not a string", key)
		}
		if _, err := strconv.ParseFloat(s, 64); err != nil {
			return nil, true, fmt.Errorf("%s %q: %w", key, s, err)
		}
		return json.Number(s), true, nil
	case "$date":
		switch d := v.(type) {
		case string: // relaxed form: RFC 3339 already
			if _, err := time.Parse(time.RFC3339Nano, d); err != nil {
				return nil, true, fmt.Errorf("$date %q: %w", d, err)
			}
			return d, true, nil
		case json.Number: // milliseconds since 1970
			ms, err := d.Int64()
			if err != nil {
				return nil, true, fmt.Errorf("$date %s: %w", d, err)
			}
			return time.UnixMilli(ms).UTC().Format(time.RFC3339Nano), true, nil
		case map[string]any: // canonical form: {"$numberLong":"…"}
			if s, isString := d["$numberLong"].(string); isString && len(d) == 1 {
				ms, err := strconv.ParseInt(s, 10, 64)
				if err != nil {
					return nil, true, fmt.Errorf("$date %q: %w", s, err)
				}
				return time.UnixMilli(ms).UTC().Format(time.RFC3339Nano), true, nil
			}
		}
		return nil, true, fmt.Errorf("$date in an unknown form")
	}
	return nil, false, nil
}
