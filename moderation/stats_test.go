package moderation_test

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/headsup/headsup/report"
)

// TestStatsKeepsRetiredAreaLabelsWithTheirRows publishes alerts in areas that are no longer
// configured, with a different count in each, and reads the statistics table as an admin does:
// each retired area's row must show its own count.
func TestStatsKeepsRetiredAreaLabelsWithTheirRows(t *testing.T) {
	h := newHarness(t)
	adm := h.signUp("ad", "admin")
	now := h.clock.Now()
	// Map iteration order decides which retired area comes first; several of them with
	// distinct counts make a mislabelled row show up on most runs, and sorted labels on all.
	want := map[string]int{"zz-old-north": 1, "aa-old-south": 2, "mm-old-east": 3, "bb-old-west": 4}
	for area, n := range want {
		for range n {
			a := &report.Alert{
				ID: report.NewID(), Version: 1, Kind: report.BadDate, Severity: report.SeverityWarning,
				Title: "t", Body: "b", Areas: []string{area}, IncidentDay: report.Day(now), Published: now,
				Updated: now, Expires: now.Add(24 * time.Hour), Status: report.AlertPublished, ReportCount: 1,
			}
			if err := h.store.CreateAlert(context.Background(), a); err != nil {
				t.Fatal(err)
			}
		}
	}
	w := h.do("GET", "/moderation/admin/stats", nil, adm.cookie)
	if w.Code != http.StatusOK {
		t.Fatalf("stats page: %d", w.Code)
	}
	body := w.Body.String()
	rows := regexp.MustCompile(`<tr><th scope="row">([^<]+)</th>(.*?)</tr>`).FindAllStringSubmatch(body, -1)
	var retiredOrder []string
	for _, r := range rows {
		label := r[1]
		n, ok := want[label]
		if !ok {
			continue
		}
		retiredOrder = append(retiredOrder, label)
		total := regexp.MustCompile(`<td class="num"[^>]*>(\d+)</td>`).FindAllStringSubmatch(r[2], -1)
		if len(total) == 0 || total[len(total)-1][1] != strconv.Itoa(n) {
			t.Errorf("row %q shows %v, want a total of %d", label, total, n)
		}
	}
	if got := strings.Join(retiredOrder, ","); got != "aa-old-south,bb-old-west,mm-old-east,zz-old-north" {
		t.Errorf("retired areas listed as %s, want all four sorted by code", got)
	}
}
