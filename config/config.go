// Package config reads Heads Up's settings from environment variables, once, into a typed value
// that is passed down; nothing else reads the environment. Every variable has a default that is
// safe for a first run on one machine, so `go run ./cmd/headsup` needs none of them.
package config

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is every setting of a running server.
type Config struct {
	Addr              string
	BaseURL           string
	DataDir           string
	MongoURI          string
	Database          string
	AdminAddr         string
	TrustedProxies    []string
	AreasFile         string
	RetentionDays     int
	SiteName          string
	ExitURL           string
	VAPIDSubject      string
	VAPIDPublicKey    string
	VAPIDPrivateKey   string
	PushInsecureHosts []string
	PushServices      []string
	ReceiptKey        string
	Development       bool
	LogLevel          string
	NoRateLimits      bool
	// Replicas is how many replicas the operator runs behind one load balancer; each
	// enforces 1/Replicas of every per-client rate limit.
	Replicas int
	// TimeZone is where moderators and readers are; pages show times in it. Empty means the
	// areas' own (the default areas are Washington DC's: America/New_York).
	TimeZone string
	// PhoneRegion is the country (ISO 3166 alpha-2) that phone numbers written without a
	// country code belong to, for /check and identifier matching.
	PhoneRegion string
	// ResourcesFile is the JSON file of help nearby (crisis lines, clinics, the organisation's
	// contact and hours); empty means the built-in neutral default.
	ResourcesFile string
}

// Var describes one environment variable for --help, the README table and the docker-compose
// check, so that the three can never disagree with what the code reads.
type Var struct {
	Name    string
	Default string
	Help    string
	Secret  bool // may be given as NAME_FILE, and is never printed
}

// Vars lists every variable Heads Up reads, in the order --help shows them.
var Vars = []Var{
	{"HEADSUP_ADDR", ":8080", "public listen address", false},
	{"HEADSUP_BASE_URL", "http://localhost:8080", "the public URL, used in links in pushes, feeds and the sheet", false},
	{"HEADSUP_DATA_DIR", "./data", "folder for the embedded database and generated secrets", false},
	{"MONGODB_URI", "", "a MongoDB server to use instead of the embedded database (empty = embedded)", true},
	{"HEADSUP_DB", "headsup", "database name", false},
	{"HEADSUP_ADMIN_ADDR", "127.0.0.1:9090", "metrics listener; keep it off the public network", false},
	{"HEADSUP_TRUSTED_PROXIES", "", "comma-separated proxy addresses or CIDRs whose X-Forwarded-For is believed (used for rate limits only)", false},
	{"HEADSUP_AREAS_FILE", "", "JSON file with the list of areas (empty = the 8 wards of Washington DC plus Outside DC)", false},
	{"HEADSUP_TIME_ZONE", "", "IANA time zone pages show times in, like America/Chicago (empty = that of the areas; the default areas are America/New_York)", false},
	{"HEADSUP_PHONE_REGION", "US", "two-letter country that phone numbers without a country code belong to, for /check", false},
	{"HEADSUP_RESOURCES_FILE", "", "JSON file of help nearby: crisis lines, clinics, naloxone, legal aid, the organisation's contact and hours (empty = a neutral default)", false},
	{"HEADSUP_RETENTION_DAYS", "30", "days raw report text is kept after a moderator's decision, or after a question the reporter has not answered", false},
	{"HEADSUP_SITE_NAME", "Heads Up", "name shown on pages and when installed as an app; a neutral name may be safer", false},
	{"HEADSUP_EXIT_URL", "https://weather.com/", "where the quick-exit button goes", false},
	{"HEADSUP_VAPID_SUBJECT", "", "contact for push services, mailto: or https: (required unless HEADSUP_BASE_URL is localhost)", false},
	{"HEADSUP_VAPID_PUBLIC_KEY", "", "VAPID public key (empty = generated once and kept in the database)", false},
	{"HEADSUP_VAPID_PRIVATE_KEY", "", "VAPID private key (empty = generated once and kept in the database)", true},
	{"HEADSUP_PUSH_SERVICES", "fcm.googleapis.com,updates.push.services.mozilla.com,push.services.mozilla.com,web.push.apple.com,notify.windows.com", "comma-separated push service host suffixes a subscription endpoint may use", false},
	{"HEADSUP_PUSH_INSECURE_HOSTS", "", "hosts allowed as plain-http push endpoints (tests only)", false},
	{"HEADSUP_RECEIPT_KEY", "", "secret key for hashing receipt codes; keep it outside the database (empty = generated in HEADSUP_DATA_DIR/receipt.key)", true},
	{"HEADSUP_DEVELOPMENT", "", "1 relaxes production checks (VAPID subject, TOTP may be switched off); never in production", false},
	{"HEADSUP_LOG_LEVEL", "info", "debug, info, warn or error", false},
	{"HEADSUP_RATE_LIMITS", "on", "per-client rate limits; off only for load tests on a private machine", false},
	{"HEADSUP_REPLICAS", "1", "how many replicas serve behind one load balancer; each enforces 1/N of every per-client rate limit, so the total stays that of one", false},
}

// Load reads the configuration from getenv and validates it. All problems are reported
// together, each saying which variable is wrong and what it should look like.
func Load(getenv func(string) string) (Config, error) {
	var problems []string
	get := func(name string) string {
		v, err := lookup(getenv, name)
		if err != nil {
			problems = append(problems, err.Error())
		}
		return v
	}
	c := Config{
		Addr:              get("HEADSUP_ADDR"),
		BaseURL:           strings.TrimRight(get("HEADSUP_BASE_URL"), "/"),
		DataDir:           get("HEADSUP_DATA_DIR"),
		MongoURI:          get("MONGODB_URI"),
		Database:          get("HEADSUP_DB"),
		AdminAddr:         get("HEADSUP_ADMIN_ADDR"),
		TrustedProxies:    list(get("HEADSUP_TRUSTED_PROXIES")),
		AreasFile:         get("HEADSUP_AREAS_FILE"),
		SiteName:          get("HEADSUP_SITE_NAME"),
		ExitURL:           get("HEADSUP_EXIT_URL"),
		VAPIDSubject:      get("HEADSUP_VAPID_SUBJECT"),
		VAPIDPublicKey:    get("HEADSUP_VAPID_PUBLIC_KEY"),
		VAPIDPrivateKey:   get("HEADSUP_VAPID_PRIVATE_KEY"),
		PushServices:      list(get("HEADSUP_PUSH_SERVICES")),
		PushInsecureHosts: list(get("HEADSUP_PUSH_INSECURE_HOSTS")),
		ReceiptKey:        get("HEADSUP_RECEIPT_KEY"),
		LogLevel:          strings.ToLower(get("HEADSUP_LOG_LEVEL")),
		TimeZone:          get("HEADSUP_TIME_ZONE"),
		PhoneRegion:       strings.ToUpper(get("HEADSUP_PHONE_REGION")),
		ResourcesFile:     get("HEADSUP_RESOURCES_FILE"),
	}
	dev := get("HEADSUP_DEVELOPMENT")
	switch dev {
	case "", "0", "false":
	case "1", "true":
		c.Development = true
	default:
		problems = append(problems, "HEADSUP_DEVELOPMENT must be 1 or 0, not "+strconv.Quote(dev))
	}
	switch limits := get("HEADSUP_RATE_LIMITS"); limits {
	case "on":
	case "off":
		c.NoRateLimits = true
	default:
		problems = append(problems, "HEADSUP_RATE_LIMITS must be on or off, not "+strconv.Quote(limits))
	}
	days, err := strconv.Atoi(get("HEADSUP_RETENTION_DAYS"))
	if err != nil || days < 1 || days > 3650 {
		problems = append(problems, "HEADSUP_RETENTION_DAYS must be a whole number of days from 1 to 3650")
	}
	c.RetentionDays = days
	replicas, err := strconv.Atoi(get("HEADSUP_REPLICAS"))
	if err != nil || replicas < 1 || replicas > 100 {
		problems = append(problems, "HEADSUP_REPLICAS must be the number of replicas running, from 1 to 100")
	}
	c.Replicas = replicas
	problems = append(problems, c.validate()...)
	if len(problems) > 0 {
		return c, &Error{Problems: problems}
	}
	return c, nil
}

// Error lists every problem found in the configuration.
type Error struct{ Problems []string }

func (e *Error) Error() string {
	return "invalid configuration:\n  " + strings.Join(e.Problems, "\n  ")
}

func (c *Config) validate() []string {
	var p []string
	if _, _, err := splitAddr(c.Addr); err != nil {
		p = append(p, "HEADSUP_ADDR must be host:port or :port, like :8080")
	}
	if _, _, err := splitAddr(c.AdminAddr); err != nil {
		p = append(p, "HEADSUP_ADMIN_ADDR must be host:port, like 127.0.0.1:9090")
	}
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		p = append(p, "HEADSUP_BASE_URL must be an http or https URL like https://alerts.example.org")
	}
	if u, err := url.Parse(c.ExitURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		p = append(p, "HEADSUP_EXIT_URL must be an http or https URL like https://weather.com/")
	}
	if c.MongoURI != "" && !strings.HasPrefix(c.MongoURI, "mongodb://") && !strings.HasPrefix(c.MongoURI, "mongodb+srv://") {
		p = append(p, "MONGODB_URI must start with mongodb:// or mongodb+srv://")
	}
	if c.Database == "" || strings.ContainsAny(c.Database, `/\. "$`) || len(c.Database) > 60 {
		p = append(p, "HEADSUP_DB must be a plain name like headsup (no spaces, dots, slashes or $)")
	}
	if c.DataDir == "" {
		p = append(p, "HEADSUP_DATA_DIR must name a folder, like ./data")
	}
	if strings.TrimSpace(c.SiteName) == "" || len([]rune(c.SiteName)) > 40 {
		p = append(p, "HEADSUP_SITE_NAME must be 1 to 40 characters")
	}
	for _, proxy := range c.TrustedProxies {
		if _, err := netip.ParsePrefix(proxy); err != nil {
			if _, err := netip.ParseAddr(proxy); err != nil {
				p = append(p, "HEADSUP_TRUSTED_PROXIES: "+strconv.Quote(proxy)+" is not an IP address or CIDR")
			}
		}
	}
	switch {
	case c.VAPIDSubject == "" && !c.Development && !c.LocalOnly():
		p = append(p, "HEADSUP_VAPID_SUBJECT is required when HEADSUP_BASE_URL is public: a contact push services can reach, like mailto:ops@example.org")
	case c.VAPIDSubject != "" && !strings.HasPrefix(c.VAPIDSubject, "mailto:") && !strings.HasPrefix(c.VAPIDSubject, "https://"):
		p = append(p, "HEADSUP_VAPID_SUBJECT must start with mailto: or https://")
	}
	if (c.VAPIDPublicKey == "") != (c.VAPIDPrivateKey == "") {
		p = append(p, "HEADSUP_VAPID_PUBLIC_KEY and HEADSUP_VAPID_PRIVATE_KEY must be given together (or neither, to generate them)")
	}
	if c.ReceiptKey != "" && len(c.ReceiptKey) < 32 {
		p = append(p, "HEADSUP_RECEIPT_KEY must be at least 32 characters of random text")
	}
	if c.TimeZone != "" {
		if _, err := time.LoadLocation(c.TimeZone); err != nil || c.TimeZone == "Local" {
			p = append(p, "HEADSUP_TIME_ZONE must be an IANA time zone name like America/New_York")
		}
	}
	if len(c.PhoneRegion) != 2 || strings.Trim(c.PhoneRegion, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		p = append(p, "HEADSUP_PHONE_REGION must be a two-letter country code like US or MX")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		p = append(p, "HEADSUP_LOG_LEVEL must be debug, info, warn or error")
	}
	return p
}

// lookup returns the variable, its NAME_FILE form for secrets, or its default.
func lookup(getenv func(string) string, name string) (string, error) {
	var v Var
	for _, candidate := range Vars {
		if candidate.Name == name {
			v = candidate
		}
	}
	if v.Name == "" {
		panic("config: unknown variable " + name) // a programming error, caught by every test
	}
	if value := getenv(name); value != "" {
		return strings.TrimSpace(value), nil
	}
	if v.Secret {
		if path := getenv(name + "_FILE"); path != "" {
			data, err := os.ReadFile(path)
			if err != nil {
				return "", fmt.Errorf("%s_FILE: cannot read %s: %w", name, path, errors.Unwrap(err))
			}
			return strings.TrimSpace(string(data)), nil
		}
	}
	return v.Default, nil
}

func list(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

func splitAddr(addr string) (string, int, error) {
	i := strings.LastIndex(addr, ":")
	if i < 0 {
		return "", 0, errors.New("no port")
	}
	port, err := strconv.Atoi(addr[i+1:])
	if err != nil || port < 0 || port > 65535 {
		return "", 0, errors.New("bad port")
	}
	return addr[:i], port, nil
}

// Known reports whether name is a variable Heads Up reads (also in its _FILE form).
func Known(name string) bool {
	for _, v := range Vars {
		if v.Name == name || (v.Secret && v.Name+"_FILE" == name) {
			return true
		}
	}
	return false
}

// Retention is how long raw report text is kept after a decision.
func (c Config) Retention() time.Duration { return time.Duration(c.RetentionDays) * 24 * time.Hour }

// LocalOnly reports whether the base URL is a loopback address, which is how a first run on a
// laptop looks; production checks that would stop `go run ./cmd/headsup` are relaxed then.
func (c Config) LocalOnly() bool {
	u, err := url.Parse(c.BaseURL)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	addr, err := netip.ParseAddr(host)
	return err == nil && addr.IsLoopback()
}

// PushSubject is the VAPID "sub" claim; on a local machine without one a placeholder is used,
// which real push services may refuse, so production must set HEADSUP_VAPID_SUBJECT.
func (c Config) PushSubject() string {
	if c.VAPIDSubject != "" {
		return c.VAPIDSubject
	}
	return "mailto:operator@localhost"
}
