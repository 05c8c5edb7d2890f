package storetest

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/headsup/headsup/internal/testkit"
	"github.com/headsup/headsup/store"
)

// Run is the conformance suite: what every engine must do, as a user of store.Store sees it.
// Each subtest opens its own fresh, empty store with open and moves the store's clock itself.
// An engine's test calls it:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { return storetest.New(t) })
//	}
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	for _, c := range cases() {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r != nil {
					if f, ok := r.(failure); ok {
						t.Fatal(string(f))
					}
					panic(r)
				}
			}()
			c.run(newEnv(t, open))
		})
	}
}

type testCase struct {
	name string
	run  func(e *env)
}

// cases is every subtest, grouped by aggregate.
func cases() []testCase {
	var all []testCase
	for _, group := range [][]testCase{reportCases, publishingCases, alertCases, subscriptionCases,
		deliveryCases, accountCases, adminCases, identifierCases} {
		all = append(all, group...)
	}
	return all
}

// start is where every subtest's clock begins: to the millisecond and in UTC, the precision
// both engines keep.
var start = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

// env is one subtest's store, clock and context.
type env struct {
	t     *testing.T
	s     store.Store
	ctx   context.Context
	clock *testkit.Clock
	open  func(t *testing.T) store.Store
}

func newEnv(t *testing.T, open func(t *testing.T) store.Store) *env {
	t.Helper()
	e := &env{t: t, ctx: t.Context(), open: open}
	e.s, e.clock = e.fresh()
	return e
}

// fresh opens another empty store with its own clock at start.
func (e *env) fresh() (store.Store, *testkit.Clock) {
	e.t.Helper()
	s := e.open(e.t)
	c := testkit.NewClock(start)
	s.SetClock(c.Now)
	return s, c
}

func (e *env) now() time.Time { return e.clock.Now() }

// ok fails the test at once on an error.
func (e *env) ok(err error, what string) {
	e.t.Helper()
	if err != nil {
		e.t.Fatalf("%s: %v", what, err)
	}
}

// wantErr fails the test unless err is target.
func (e *env) wantErr(err, target error, what string) {
	e.t.Helper()
	if !errors.Is(err, target) {
		e.t.Fatalf("%s: error %v, want %v", what, err, target)
	}
}

// must returns v, failing the subtest at once on an error (through a panic that Run turns
// into t.Fatal, so that calls stay one expression). Only for the subtest's own goroutine.
func must[T any](v T, err error) T {
	if err != nil {
		_, file, line, _ := runtime.Caller(1)
		panic(failure(fmt.Sprintf("%s:%d: %v", filepath.Base(file), line, err)))
	}
	return v
}

// failure is what must panics with.
type failure string

// same fails the test unless got and want are equal records once times are compared in UTC to
// the millisecond and empty slices as nil: what a reader of the record could tell apart.
func (e *env) same(got, want any, what string) {
	e.t.Helper()
	g, w := normalized(got), normalized(want)
	if !reflect.DeepEqual(g, w) {
		e.t.Fatalf("%s:\n got %+v\nwant %+v", what, deref(g), deref(w))
	}
}

func deref(v any) any {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	}
	if rv.IsValid() {
		return rv.Interface()
	}
	return v
}

var timeType = reflect.TypeFor[time.Time]()

// normalized returns a deep copy of v with every time in UTC and truncated to the millisecond
// (the zero time stays zero) and every empty slice nil.
func normalized(v any) any {
	if v == nil {
		return nil
	}
	return normalize(reflect.ValueOf(v)).Interface()
}

func normalize(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		out := reflect.New(v.Type().Elem())
		out.Elem().Set(normalize(v.Elem()))
		return out
	case reflect.Interface:
		if v.IsNil() {
			return v
		}
		out := reflect.New(v.Type()).Elem()
		out.Set(normalize(v.Elem()))
		return out
	case reflect.Struct:
		if v.Type() == timeType {
			t := v.Interface().(time.Time)
			if t.IsZero() {
				return reflect.ValueOf(time.Time{})
			}
			return reflect.ValueOf(t.UTC().Truncate(time.Millisecond))
		}
		out := reflect.New(v.Type()).Elem()
		for i := range v.NumField() {
			if out.Field(i).CanSet() {
				out.Field(i).Set(normalize(v.Field(i)))
			}
		}
		return out
	case reflect.Slice:
		if v.Len() == 0 {
			return reflect.Zero(v.Type())
		}
		out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			out.Index(i).Set(normalize(v.Index(i)))
		}
		return out
	case reflect.Map:
		if v.Len() == 0 {
			return reflect.Zero(v.Type())
		}
		out := reflect.MakeMapWithSize(v.Type(), v.Len())
		iter := v.MapRange()
		for iter.Next() {
			out.SetMapIndex(iter.Key(), normalize(iter.Value()))
		}
		return out
	}
	return v
}

// parallel runs fn(i) for i in [0, n) at once, each goroutine released together, and waits.
func parallel(n int, fn func(i int)) {
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-gate
			fn(i)
		})
	}
	close(gate)
	wg.Wait()
}

// sameTime fails the test unless got is want (to the millisecond).
func (e *env) sameTime(got, want time.Time, what string) {
	e.t.Helper()
	if !got.Truncate(time.Millisecond).Equal(want.Truncate(time.Millisecond)) {
		e.t.Fatalf("%s = %v, want %v", what, got, want)
	}
}

// errorsIsAny reports whether err is one of targets.
func errorsIsAny(err error, targets ...error) bool {
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}
