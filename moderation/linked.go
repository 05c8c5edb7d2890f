package moderation

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/publishing"
	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

// maxLinked bounds how many linked alerts and reports one report shows: a repeat aggressor
// has a handful, and more would be a page nobody reads.
const maxLinked = 20

// linkedAlert is a published alert sharing an identifier with the report on the page, as the
// report page and the merge picker show it.
type linkedAlert struct {
	Alert *report.Alert
	// Types are the kinds of identifier shared (phone, plate, email), in the alert's order.
	Types []string
}

// linkedReport is another report waiting for a decision that shares an identifier.
type linkedReport struct {
	Report *report.Report
	Types  []string
}

// links are the alerts and reports a report is linked to through its identifiers' keyed
// hashes: the same phone number, plate or handle, compared without the raw values.
type links struct {
	Alerts  []linkedAlert
	Reports []linkedReport
}

// Any reports whether anything is linked.
func (l links) Any() bool { return len(l.Alerts)+len(l.Reports) > 0 }

// linksOf finds what r is linked to. Published alerts carry the type of each identifier
// beside its hash; another report only its hashes, so a shared hash is named by the type of
// the alert identifier that has it, else "identifier".
func (s *server) linksOf(ctx context.Context, r *report.Report) (links, error) {
	var out links
	typeOf := map[string]string{}
	seen := map[string]int{}
	err := s.eachLinkedAlert(ctx, r, func(h string, a *report.Alert) bool {
		for _, id := range a.Identifiers {
			if id.HMAC == h {
				typeOf[h] = id.Type
			}
		}
		at, ok := seen[a.ID]
		if !ok {
			if len(out.Alerts) == maxLinked {
				return true
			}
			at = len(out.Alerts)
			seen[a.ID] = at
			out.Alerts = append(out.Alerts, linkedAlert{Alert: a})
		}
		if t := typeOf[h]; t != "" && !slices.Contains(out.Alerts[at].Types, t) {
			out.Alerts[at].Types = append(out.Alerts[at].Types, t)
		}
		return true
	})
	if err != nil {
		return links{}, err
	}
	others, err := s.linkedReports(ctx, r, maxLinked)
	if err != nil {
		return links{}, err
	}
	for i := range others {
		lr := linkedReport{Report: &others[i]}
		for _, h := range others[i].IdentifierHMACs {
			if !slices.Contains(r.IdentifierHMACs, h) {
				continue
			}
			t := typeOf[h]
			if t == "" {
				t = "identifier"
			}
			if !slices.Contains(lr.Types, t) {
				lr.Types = append(lr.Types, t)
			}
		}
		out.Reports = append(out.Reports, lr)
	}
	return out, nil
}

// linkedFlag reports cheaply whether r is linked to anything, for the queue's flag: it stops
// at the first alert, and asks for one other report at most.
func (s *server) linkedFlag(ctx context.Context, r *report.Report) (bool, error) {
	linked := false
	err := s.eachLinkedAlert(ctx, r, func(string, *report.Alert) bool {
		linked = true
		return false
	})
	if err != nil || linked {
		return linked, err
	}
	others, err := s.linkedReports(ctx, r, 1)
	return len(others) > 0, err
}

// eachLinkedAlert calls found with every alert of r's kind that carries one of r's identifier
// hashes, and that hash, hash by hash, until found returns false.
func (s *server) eachLinkedAlert(ctx context.Context, r *report.Report, found func(hmac string, a *report.Alert) bool) error {
	for _, h := range r.IdentifierHMACs {
		alerts, err := s.store.AlertsByIdentifier(ctx, h)
		if err != nil {
			return err
		}
		for i := range alerts {
			if alerts[i].Kind == r.Kind && !found(h, &alerts[i]) {
				return nil
			}
		}
	}
	return nil
}

// linkedReports is up to most other reports that share an identifier hash with r.
func (s *server) linkedReports(ctx context.Context, r *report.Report, most int) ([]report.Report, error) {
	if len(r.IdentifierHMACs) == 0 {
		return nil, nil
	}
	found, err := s.store.ReportsByIdentifiers(ctx, r.IdentifierHMACs, most+1)
	if err != nil {
		return nil, err
	}
	others := slices.DeleteFunc(found, func(o report.Report) bool { return o.ID == r.ID })
	return others[:min(len(others), most)], nil
}

// mergeCandidate is an alert offered for a merge, with what tells a moderator whether it is
// about the same incident or person: its kind, areas, days, how many reports it counts and
// its identifiers (public values, or the masked hints of checkable-only ones).
type mergeCandidate struct {
	Alert *report.Alert
	// Shared are the kinds of identifier this report shares with the alert, if any.
	Shared      []string
	Identifiers []candidateIdentifier
}

type candidateIdentifier struct {
	Type  string
	Shown string
}

func newCandidate(a *report.Alert, shared []string) mergeCandidate {
	mc := mergeCandidate{Alert: a, Shared: shared}
	for _, id := range a.Identifiers {
		shown := id.Hint
		if id.Public && id.Value != "" {
			shown = id.Value
		}
		if shown == "" {
			shown = "•••"
		}
		mc.Identifiers = append(mc.Identifiers, candidateIdentifier{Type: id.Type, Shown: shown})
	}
	return mc
}

// linkData fills the report page's links, merge candidates (linked alerts first, then the
// other active alerts of the kind) and, for a report waiting on its reporter, the question.
func (s *server) linkData(ctx context.Context, lang string, r *report.Report, d *reportData) error {
	if r.Status == report.StatusNeedsInfo {
		d.Question = report.NoteText(lang, r.Note)
	}
	if r.Status != report.StatusPending && r.Status != report.StatusNeedsInfo {
		return nil
	}
	l, err := s.linksOf(ctx, r)
	if err != nil {
		return err
	}
	d.Links = l
	if r.Status != report.StatusPending {
		return nil
	}
	offered := map[string]bool{}
	for _, la := range l.Alerts {
		offered[la.Alert.ID] = true
		d.Merge = append(d.Merge, newCandidate(la.Alert, la.Types))
	}
	alerts, err := s.store.ModerationAlerts(ctx, store.AlertsActive, r.Kind, 0, 50)
	if err != nil {
		return err
	}
	for i := range alerts {
		if !offered[alerts[i].ID] {
			d.Merge = append(d.Merge, newCandidate(&alerts[i], nil))
		}
	}
	return nil
}

// mergeConfirmData is the page that asks before a merge.
type mergeConfirmData struct {
	Report    *report.Report
	Incident  time.Time
	Area      string
	Candidate mergeCandidate
	AddArea   bool
	// Unconfirmed is set when the box was left unticked on a form that had it.
	Unconfirmed bool
}

// confirmMerge shows the chosen alert beside the report and asks the moderator to confirm
// that both are about the same incident or person.
func (s *server) confirmMerge(c *gin.Context, r *report.Report, alertID string, addArea bool) {
	ctx := c.Request.Context()
	a, err := s.publishing.MergeTarget(ctx, r, alertID)
	if errors.Is(err, publishing.ErrNotMergeable) {
		s.notMergeable(c, r)
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	l, err := s.linksOf(ctx, r)
	if err != nil {
		s.fail(c, err)
		return
	}
	var shared []string
	for _, la := range l.Alerts {
		if la.Alert.ID == a.ID {
			shared = la.Types
		}
	}
	status := http.StatusOK
	d := mergeConfirmData{Report: r, Incident: r.Common().IncidentDay(), Area: r.Common().Area,
		Candidate: newCandidate(a, shared), AddArea: addArea || c.PostForm("picked") == "",
		Unconfirmed: c.PostForm("picked") != ""}
	if d.Unconfirmed {
		status = http.StatusBadRequest
	}
	s.render(c, status, "merge", "merge.title", d)
}
