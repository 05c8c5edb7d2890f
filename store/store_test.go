package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
	"github.com/headsup/headsup/store/storetest"
)

func TestReportLifecycle(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	r := &report.Report{ID: "r1", ReceiptHash: "h1", Kind: report.DrugAlert, Status: report.StatusPending,
		SubmittedDay: report.Day(time.Now()), DrugAlert: &report.DrugAlertFields{}}
	r.DrugAlert.Details = "blue pills"
	if err := s.CreateReport(ctx, r); err != nil {
		t.Fatal(err)
	}
	got, err := s.ReportByReceipt(ctx, "h1")
	if err != nil || got.DrugAlert == nil || got.DrugAlert.Details != "blue pills" {
		t.Fatalf("ReportByReceipt = %+v, %v", got, err)
	}
	if err := s.AddFollowup(ctx, "h1", report.Followup{Day: report.Day(time.Now()), Text: "more"}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddFollowup(ctx, "nope", report.Followup{Text: "x"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("follow-up on unknown receipt: %v", err)
	}
	if _, err := s.DeleteReportByReceipt(ctx, "h1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Report(ctx, "r1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("withdrawn report still there: %v", err)
	}
	// Receipt hashes are unique: a collision must never attach two reports to one code.
	if err := s.CreateReport(ctx, &report.Report{ID: "a", ReceiptHash: "same"}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateReport(ctx, &report.Report{ID: "b", ReceiptHash: "same"}); err == nil {
		t.Fatal("duplicate receipt hash accepted")
	}
}

func TestMarkSpentOnce(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	exp := time.Now().Add(time.Minute)
	first, err := s.MarkSpent(ctx, "abc", exp)
	if err != nil || !first {
		t.Fatalf("first use = %v, %v", first, err)
	}
	again, err := s.MarkSpent(ctx, "abc", exp)
	if err != nil || again {
		t.Fatalf("second use = %v, %v; want refused", again, err)
	}
}

func TestSettingOrCreateKeepsFirst(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	v1, err := s.SettingOrCreate(ctx, "k", "one")
	if err != nil || v1 != "one" {
		t.Fatalf("%q %v", v1, err)
	}
	v2, err := s.SettingOrCreate(ctx, "k", "two")
	if err != nil || v2 != "one" {
		t.Fatalf("second create = %q %v, want the first value", v2, err)
	}
}
