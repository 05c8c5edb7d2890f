package mongodb_test

import (
	"testing"

	"github.com/headsup/headsup/store"
	"github.com/headsup/headsup/store/storetest"
)

// TestConformance runs the suite every engine passes, each subtest on its own database of one
// in-process FerretDB shared by the test binary (or HEADSUP_TEST_MONGODB_URI when set).
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return storetest.NewMongo(t) })
}
