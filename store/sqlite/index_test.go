package sqlite

import (
	"context"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
)

// growing are the tables whose size grows with use; a full scan of one is a query whose cost
// grows with history. Moderators and settings stay small.
var growing = map[string]bool{"reports": true, "report_identifiers": true, "alerts": true, "alert_areas": true, "alert_identifiers": true,
	"subscriptions": true, "deliveries": true, "delivery_claims": true, "sessions": true, "audit": true,
	"spent_challenges": true}

// sortedByIndex are markers of the listings that can be long, whose order must come from an
// index rather than a sort of every matching row.
var sortedByIndex = []string{"FROM audit", "INDEXED BY reports_status_day", "INDEXED BY alerts_status_updated"}

var (
	scanRE = regexp.MustCompile(`^SCAN (\w+)`)
	// pageRE is a scan of an index in its order that a LIMIT stops: it reads one page.
	pageRE = regexp.MustCompile(`^SCAN \w+ USING (COVERING )?INDEX \w+$`)
	sortRE = regexp.MustCompile(`TEMP B-TREE FOR (ORDER BY|GROUP BY|DISTINCT)`)
)

// TestEveryQueryUsesAnIndex records every statement the engine issues while the workload runs
// and fails if SQLite's plan for one reads a growing table whole, or sorts a long listing
// instead of reading it in order from an index.
func TestEveryQueryUsesAnIndex(t *testing.T) {
	s, _ := openTest(t, Options{})
	var mu sync.Mutex
	seen := map[string][]any{}
	s.trace = func(q string, args []any) {
		mu.Lock()
		defer mu.Unlock()
		if _, ok := seen[q]; !ok {
			seen[q] = args
		}
	}
	workload(t, s)
	s.trace = nil

	queries := make([]string, 0, len(seen))
	for q := range seen {
		queries = append(queries, q)
	}
	sort.Strings(queries)
	t.Logf("%d distinct statements", len(queries))
	ctx := context.Background()
	for _, q := range queries {
		rows, err := s.wdb.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, seen[q]...)
		if err != nil {
			t.Errorf("explain %s: %v", q, err)
			continue
		}
		var plan []string
		var parents []int
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
			parents = append(parents, parent)
		}
		_ = rows.Close()
		// pageOf sorts, at the top level, only the ids its limited subquery selected.
		isPage := strings.Contains(q, "WHERE alerts.id IN (SELECT alerts.id FROM")
		for i, step := range plan {
			page := pageRE.MatchString(step) && strings.Contains(q, " LIMIT ") && !sortRE.MatchString(strings.Join(plan, "|"))
			if m := scanRE.FindStringSubmatch(step); m != nil && growing[m[1]] && !page {
				t.Errorf("full scan of %s:\n%s\nplan: %s", m[1], oneLine(q), strings.Join(plan, " | "))
			}
			if sortRE.MatchString(step) && !(isPage && parents[i] == 0) {
				for _, marker := range sortedByIndex {
					if strings.Contains(q, marker) {
						t.Errorf("long listing sorted outside an index:\n%s\nplan: %s", oneLine(q), strings.Join(plan, " | "))
					}
				}
			}
		}
		if testing.Verbose() {
			t.Logf("%s\n    -> %s", oneLine(q), strings.Join(plan, " | "))
		}
	}
}

func oneLine(q string) string { return strings.Join(strings.Fields(q), " ") }
