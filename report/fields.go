package report

import "time"

// FieldType tells a client which control to build; the codes travel in GET /meta.
type FieldType string

const (
	TypeText     FieldType = "text"
	TypeTextarea FieldType = "textarea"
	TypeDate     FieldType = "date"
	TypeEnum     FieldType = "enum"
	TypeMulti    FieldType = "multi"
	TypeArea     FieldType = "area"
	TypeList     FieldType = "list"
)

// Field describes one input of a report form. The schema is the single source of truth for
// forms, validation and the API, so clients hard-code nothing.
type Field struct {
	Name      string    `json:"name"`
	Type      FieldType `json:"type"`
	Required  bool      `json:"required"`
	MaxLength int       `json:"max_length,omitempty"` // in runes; per item for a list
	MaxItems  int       `json:"max_items,omitempty"`  // list and multi
	Options   []string  `json:"options,omitempty"`    // codes, enum and multi
}

// HasOption reports whether code is one of f's options.
func (f Field) HasOption(code string) bool {
	for _, o := range f.Options {
		if o == code {
			return true
		}
	}
	return false
}

// DateLayout is how a report date travels: a calendar day with no time zone, because a person
// remembers the day, and the hour would narrow down who they are.
const DateLayout = "2006-01-02"

// Limits that are not per-field.
const (
	MaxDetails      = 4000
	MaxFollowup     = 2000
	MaxAlertTitle   = 120
	MaxAlertBody    = 2000
	maxListItems    = 5
	maxDateLength   = len(DateLayout)
	maxAreaCodeRune = 40
)

// Common holds what both kinds of report carry.
type Common struct {
	Date     string `bson:"date" json:"date"`
	TimeBand string `bson:"time_band,omitempty" json:"time_band,omitempty"`
	Area     string `bson:"area" json:"area"`
	Location string `bson:"location,omitempty" json:"location,omitempty"`
	Details  string `bson:"details" json:"details"`
}

// IncidentDay parses Date; a decoded report always has a valid one, so a zero time means a
// document that was not made by Decode.
func (c *Common) IncidentDay() time.Time {
	t, err := time.Parse(DateLayout, c.Date)
	if err != nil {
		return time.Time{}
	}
	return t
}

// BadDateFields is a bad-date report: what happened and who did it.
type BadDateFields struct {
	Common        `bson:",inline"`
	Harms         []string `bson:"harms" json:"harms"`
	Contact       string   `bson:"contact,omitempty" json:"contact,omitempty"`
	AggressorName string   `bson:"aggressor_name,omitempty" json:"aggressor_name,omitempty"`
	Phones        []string `bson:"phones,omitempty" json:"phones,omitempty"`
	Handles       []string `bson:"handles,omitempty" json:"handles,omitempty"`
	Gender        string   `bson:"gender,omitempty" json:"gender,omitempty"`
	AgeRange      string   `bson:"age_range,omitempty" json:"age_range,omitempty"`
	Height        string   `bson:"height,omitempty" json:"height,omitempty"`
	Build         string   `bson:"build,omitempty" json:"build,omitempty"`
	Hair          string   `bson:"hair,omitempty" json:"hair,omitempty"`
	Features      string   `bson:"features,omitempty" json:"features,omitempty"`
	VehicleMake   string   `bson:"vehicle_make,omitempty" json:"vehicle_make,omitempty"`
	VehicleModel  string   `bson:"vehicle_model,omitempty" json:"vehicle_model,omitempty"`
	VehicleColour string   `bson:"vehicle_colour,omitempty" json:"vehicle_colour,omitempty"`
	Plate         string   `bson:"plate,omitempty" json:"plate,omitempty"`
}

// DrugAlertFields is a bad-batch report: what was sold, what it looked like, what it did.
type DrugAlertFields struct {
	Common        `bson:",inline"`
	SoldAs        string   `bson:"sold_as" json:"sold_as"`
	Colour        string   `bson:"colour,omitempty" json:"colour,omitempty"`
	Form          string   `bson:"form,omitempty" json:"form,omitempty"`
	Stamp         string   `bson:"stamp,omitempty" json:"stamp,omitempty"`
	Packaging     string   `bson:"packaging,omitempty" json:"packaging,omitempty"`
	Routes        []string `bson:"routes,omitempty" json:"routes,omitempty"`
	Effects       []string `bson:"effects,omitempty" json:"effects,omitempty"`
	FentanylStrip string   `bson:"fentanyl_strip,omitempty" json:"fentanyl_strip,omitempty"`
	XylazineStrip string   `bson:"xylazine_strip,omitempty" json:"xylazine_strip,omitempty"`
	OtherTest     string   `bson:"other_test,omitempty" json:"other_test,omitempty"`
}

var (
	timeBands  = []string{"night", "morning", "afternoon", "evening"}
	stripTests = []string{"positive", "negative", "not_tested"}
)

// TimeBands lists the coarse times of day a report or alert may carry; an exact time would
// help identify the reporter.
func TimeBands() []string { return append([]string(nil), timeBands...) }

var commonFields = []Field{
	{Name: "date", Type: TypeDate, Required: true, MaxLength: maxDateLength},
	{Name: "time_band", Type: TypeEnum, Options: timeBands},
	{Name: "area", Type: TypeArea, Required: true, MaxLength: maxAreaCodeRune},
	{Name: "location", Type: TypeText, MaxLength: 200},
	{Name: "details", Type: TypeTextarea, Required: true, MaxLength: MaxDetails},
}

var badDateFields = []Field{
	{Name: "harms", Type: TypeMulti, Required: true, Options: []string{
		"physical_violence", "sexual_assault", "robbery_theft", "refused_to_pay", "condom_removed",
		"drugged", "weapon_threats", "held_against_will", "stalking_harassment", "other"}},
	{Name: "contact", Type: TypeEnum, Options: []string{"street", "online_ad", "app_website", "phone", "referral", "other"}},
	{Name: "aggressor_name", Type: TypeText, MaxLength: 100},
	{Name: "phones", Type: TypeList, MaxLength: 40, MaxItems: maxListItems},
	{Name: "handles", Type: TypeList, MaxLength: 100, MaxItems: maxListItems},
	{Name: "gender", Type: TypeEnum, Options: []string{"man", "woman", "trans_woman", "trans_man", "nonbinary", "unknown"}},
	{Name: "age_range", Type: TypeEnum, Options: []string{"under_25", "25_34", "35_44", "45_54", "55_plus", "unknown"}},
	{Name: "height", Type: TypeEnum, Options: []string{"short", "average", "tall", "unknown"}},
	{Name: "build", Type: TypeEnum, Options: []string{"slim", "average", "muscular", "heavy", "unknown"}},
	{Name: "hair", Type: TypeText, MaxLength: 100},
	{Name: "features", Type: TypeTextarea, MaxLength: 1000},
	{Name: "vehicle_make", Type: TypeText, MaxLength: 50},
	{Name: "vehicle_model", Type: TypeText, MaxLength: 50},
	{Name: "vehicle_colour", Type: TypeText, MaxLength: 50},
	{Name: "plate", Type: TypeText, MaxLength: 15},
}

var drugAlertFields = []Field{
	{Name: "sold_as", Type: TypeEnum, Required: true, Options: []string{
		"fentanyl", "heroin", "crack", "cocaine", "meth", "pressed_benzo", "pressed_oxy", "mdma", "ketamine", "other"}},
	{Name: "colour", Type: TypeText, MaxLength: 100},
	{Name: "form", Type: TypeEnum, Options: []string{"powder", "rock", "pill", "liquid", "crystal", "tar", "other"}},
	{Name: "stamp", Type: TypeText, MaxLength: 200},
	{Name: "packaging", Type: TypeText, MaxLength: 200},
	{Name: "routes", Type: TypeMulti, Options: []string{"smoked", "injected", "snorted", "swallowed"}},
	{Name: "effects", Type: TypeMulti, Options: []string{
		"overdose", "multiple_naloxone", "unusually_strong", "long_sedation", "wounds", "seizures", "stimulant_effect", "other"}},
	{Name: "fentanyl_strip", Type: TypeEnum, Options: stripTests},
	{Name: "xylazine_strip", Type: TypeEnum, Options: stripTests},
	{Name: "other_test", Type: TypeText, MaxLength: 500},
}

var schemas = map[Kind][]Field{
	BadDate:   buildSchema(badDateFields),
	DrugAlert: buildSchema(drugAlertFields),
}

func buildSchema(specific []Field) []Field {
	out := append(append([]Field(nil), commonFields...), specific...)
	for i := range out {
		if out[i].Type == TypeMulti {
			out[i].MaxItems = len(out[i].Options) // duplicates are refused, so this is the real cap
		}
	}
	return out
}

// Schema returns the fields of a kind in form order, or nil for an unknown kind. The result is
// a copy: callers may not change the rules for everyone else.
func Schema(k Kind) []Field {
	fs := schemas[k]
	if fs == nil {
		return nil
	}
	out := make([]Field, len(fs))
	for i, f := range fs {
		f.Options = append([]string(nil), f.Options...)
		out[i] = f
	}
	return out
}

// lookupField finds a field without copying; for internal use.
func lookupField(k Kind, name string) (Field, bool) {
	for _, f := range schemas[k] {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}
