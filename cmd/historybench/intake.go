package main

import (
	"encoding/json"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/headsup/headsup/altcha"
)

// intakeRequests fetches n proof-of-work challenges from the server and solves them, as the
// widget would, before any clock starts: the benchmark measures the server accepting reports,
// not this process hashing. The server's real difficulty is used (no setting lowers it for a
// built binary), on every core.
func intakeRequests(s *server, n int) ([]request, error) {
	challenges := make([]altcha.Challenge, n)
	var failed atomic.Value
	var wg sync.WaitGroup
	var next atomic.Int64
	for range 8 {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				status, body, _, err := s.send("GET", "/api/v1/challenge", nil, nil)
				if err == nil && status != 200 {
					err = fmt.Errorf("GET /api/v1/challenge: %d %.200s", status, body)
				}
				if err == nil {
					err = json.Unmarshal(body, &challenges[i])
				}
				if err != nil {
					failed.Store(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		return nil, err
	}
	reqs := make([]request, n)
	day := time.Now().UTC().Format(time.DateOnly)
	next.Store(0)
	for range runtime.NumCPU() {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				ch := challenges[i]
				number, ok := altcha.Solve(ch)
				if !ok {
					failed.Store(fmt.Errorf("challenge %d has no solution up to %d", i, ch.MaxNumber))
					return
				}
				reqs[i] = request{method: "POST", path: "/api/v1/reports", want: 201, body: reportBody(i, day, altcha.Payload(ch, number))}
			}
		})
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		return nil, err
	}
	return reqs, nil
}

// reportBody is a valid report, alternating the two kinds, as the form sends it.
func reportBody(i int, day, proof string) []byte {
	area := fmt.Sprintf("ward-%d", 1+i%8)
	var fields map[string]any
	if i%2 == 0 {
		fields = map[string]any{"date": day, "area": area, "time_band": "evening", "harms": []string{"robbery_theft", "refused_to_pay"},
			"contact": "online_ad", "phones": []string{fmt.Sprintf("(202) 555-%04d", i%10000)},
			"details": fmt.Sprintf("Met him through an ad; he took the money back at knifepoint and drove off (benchmark report %d).", i)}
	} else {
		fields = map[string]any{"date": day, "area": area, "sold_as": "pressed_oxy", "form": "pill", "stamp": "M 30",
			"routes": []string{"swallowed"}, "effects": []string{"overdose"}, "fentanyl_strip": "positive",
			"details": fmt.Sprintf("Blue pills sold as oxy; two people went out cold near the station (benchmark report %d).", i)}
	}
	kind := "bad_date"
	if i%2 == 1 {
		kind = "drug_alert"
	}
	data, _ := json.Marshal(map[string]any{"kind": kind, "fields": fields, "altcha": proof})
	return data
}
