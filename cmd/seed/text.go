package main

import (
	"fmt"
	"strings"

	"github.com/headsup/headsup/report"
)

// The texts are put together from fragments of the kind moderators and reporters write, so
// that records have realistic lengths and words (what the pages render, the feed escapes and
// the database stores), not so that anyone reads them.

// Notes the receipt shows, as moderation writes them.
const (
	noteApproved = "Thank you for reporting. An alert based on your report was published."
	noteMerged   = "Thank you for reporting. Your report was added to an alert that was already published."
)

var rejectNotes = []string{
	"Thank you for reporting. There was not enough information for us to publish an alert. You can send a new report with more details.",
	"Thank you for reporting. What you described is already covered by an alert we published.",
	"Thank you for reporting. This is outside what this list publishes, so we did not post it.",
	"Thank you for reporting. We did not publish this because it could put you or someone else at risk.",
}

var areaNames = func() map[string]string {
	m := map[string]string{}
	areas := report.DefaultAreas()
	for _, a := range areas {
		m[a.Code] = report.AreaName(areas, "en", a.Code)
	}
	return m
}()

var (
	harms = []string{"physical_violence", "sexual_assault", "robbery_theft", "refused_to_pay", "condom_removed",
		"drugged", "weapon_threats", "held_against_will", "stalking_harassment", "other"}
	harmWeights = []int{20, 10, 25, 20, 8, 5, 8, 3, 6, 2}
	soldAs      = []string{"fentanyl", "heroin", "crack", "cocaine", "meth", "pressed_benzo", "pressed_oxy", "mdma", "ketamine", "other"}
	soldWeights = []int{30, 8, 12, 12, 8, 8, 14, 4, 2, 2}
	contacts    = []string{"street", "online_ad", "app_website", "phone", "referral", "other"}
	effects     = []string{"overdose", "multiple_naloxone", "unusually_strong", "long_sedation", "wounds", "seizures", "stimulant_effect", "other"}
	routes      = []string{"smoked", "injected", "snorted", "swallowed"}
	strips      = []string{"positive", "negative", "not_tested"}
	locations   = []string{"near the metro station", "by the gas station on the corner", "motel off the highway",
		"behind the shopping centre", "under the bridge", "in a parked car by the park", "near the shelter", "outside the corner store"}
	followups = []string{
		"I saw the same car again last night around the same place.",
		"Someone else told me he did the same thing to her last month.",
		"The pills were a lighter blue than the ones before, and stamped differently.",
		"I found out the number he used is also on a dating app.",
	}
	vehicles = [][2]string{{"Honda", "Civic"}, {"Toyota", "Camry"}, {"Ford", "F-150"}, {"Nissan", "Altima"}, {"Chevrolet", "Malibu"}, {"Dodge", "Charger"}}
	colours  = []string{"black", "white", "silver", "grey", "dark blue", "red"}
)

var badDateBodies = []string{
	"A client met %s became violent once in the car and took everything she had. He drove off when someone walked by.",
	"He agreed on a price, then refused to pay afterwards and threatened to call the police. Be careful with new clients who insist on going somewhere private.",
	"A man who said he was a regular's friend took the condom off without asking and got angry when she objected. He is known to use several names.",
	"Several workers say a client %s followed them home after dates and keeps calling from different numbers.",
	"A client showed a knife and demanded money back. He described himself as a contractor and wore a work jacket.",
}

var drugBodies = []string{
	"People who bought %s in this area report overdoses after a single use. Test strips came back positive for fentanyl. Carry naloxone, do not use alone, and start with a small amount.",
	"Several people needed more than one dose of naloxone after using %s bought here. Xylazine is suspected: watch for long sedation and wounds that do not heal.",
	"What is sold here as %s is much stronger than usual. Two people went out cold within minutes. Use with someone who can call for help, and test first if you can.",
	"Pills sold as %s look like the real thing but tested positive for fentanyl. If you are not sure where they came from, assume they are not what they look like.",
}

func (h *history) badDateText(area string) (title, body string) {
	harm := pick(h.r, harms, harmWeights)
	title = fmt.Sprintf("%s by a client in %s", report.OptionLabel("en", "harms", harm), areaNames[area])
	via := []string{"on the street", "through an online ad", "through an app", "by phone"}[h.r.IntN(4)]
	body = fill(badDateBodies[h.r.IntN(len(badDateBodies))], via)
	v := vehicles[h.r.IntN(len(vehicles))]
	body += fmt.Sprintf(" He drives a %s %s %s. White or light-skinned man, %s, %s build.", colours[h.r.IntN(len(colours))], v[0], v[1],
		[]string{"in his 30s", "in his 40s", "about 50", "in his 20s"}[h.r.IntN(4)], []string{"slim", "average", "heavy"}[h.r.IntN(3)])
	return truncate(title, report.MaxAlertTitle), body
}

func (h *history) drugText(area string) (title, body string) {
	code := pick(h.r, soldAs, soldWeights)
	sold := report.OptionLabel("en", "sold_as", code)
	title = fmt.Sprintf("%s causing overdoses in %s", sold, areaNames[area])
	body = drugBodies[h.r.IntN(len(drugBodies)-1)]
	if strings.HasPrefix(code, "pressed_") {
		body = drugBodies[len(drugBodies)-1] // the one about counterfeit pills
	}
	body = fill(body, strings.ToLower(sold))
	return truncate(title, report.MaxAlertTitle), body
}

func (h *history) details(k report.Kind) string {
	var b strings.Builder
	for range 1 + h.r.IntN(3) {
		if k == report.BadDate {
			b.WriteString(fill(badDateBodies[h.r.IntN(len(badDateBodies))], "on the street"))
		} else {
			b.WriteString(fill(drugBodies[h.r.IntN(len(drugBodies))], "dope"))
		}
		b.WriteString(" ")
	}
	return strings.TrimSpace(b.String())
}

func (h *history) badDateFields(c report.Common) *report.BadDateFields {
	f := &report.BadDateFields{Common: c, Contact: contacts[h.r.IntN(len(contacts))],
		Gender: "man", AgeRange: []string{"25_34", "35_44", "45_54", "unknown"}[h.r.IntN(4)],
		Build: []string{"slim", "average", "heavy", "unknown"}[h.r.IntN(4)]}
	seen := map[string]bool{}
	for range 1 + h.r.IntN(3) {
		if x := pick(h.r, harms, harmWeights); !seen[x] {
			seen[x] = true
			f.Harms = append(f.Harms, x)
		}
	}
	if h.r.IntN(100) < 40 {
		f.Phones = []string{h.phone()}
	}
	if h.r.IntN(100) < 20 {
		v := vehicles[h.r.IntN(len(vehicles))]
		f.VehicleMake, f.VehicleModel, f.VehicleColour, f.Plate = v[0], v[1], colours[h.r.IntN(len(colours))], h.plate()
	}
	if h.r.IntN(100) < 30 {
		f.AggressorName = []string{"Mike", "Dre", "Tony", "J", "Big Steve"}[h.r.IntN(5)]
	}
	return f
}

func (h *history) drugFields(c report.Common) *report.DrugAlertFields {
	f := &report.DrugAlertFields{Common: c, SoldAs: pick(h.r, soldAs, soldWeights),
		Colour:        []string{"blue", "white", "tan", "pink", "grey"}[h.r.IntN(5)],
		Form:          []string{"powder", "rock", "pill", "crystal"}[h.r.IntN(4)],
		FentanylStrip: strips[h.r.IntN(3)], XylazineStrip: strips[h.r.IntN(3)],
		Routes: []string{routes[h.r.IntN(len(routes))]},
	}
	if h.r.IntN(2) == 0 {
		f.Effects = []string{effects[h.r.IntN(len(effects))]}
	}
	if f.Form == "pill" {
		f.Stamp = []string{"M 30", "A 215", "K9", "V 48"}[h.r.IntN(4)]
	}
	return f
}

// fill puts value into the template's one %s, if it has one.
func fill(template, value string) string {
	before, after, ok := strings.Cut(template, "%s")
	if !ok {
		return template
	}
	return before + value + after
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
