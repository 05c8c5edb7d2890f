package push

import (
	"crypto/ecdh"
	"encoding/base64"
	"net"
	"net/url"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

// SubscriptionInput is what a browser sends to subscribe: its PushSubscription (endpoint and
// keys, as PushSubscription.toJSON() gives them) and what it wants to receive. Pointers tell a
// missing field from a zero one.
type SubscriptionInput struct {
	Endpoint string            `json:"endpoint"`
	Keys     *SubscriptionKeys `json:"keys"`
	// ExpirationTime is part of PushSubscription.toJSON(); accepted so that a client can post
	// the object as it is, and ignored: the push service says when it is gone.
	ExpirationTime *float64         `json:"expirationTime,omitempty"`
	Kinds          []report.Kind    `json:"kinds"`
	Areas          []string         `json:"areas"`
	MinSeverity    *report.Severity `json:"min_severity"`
	Discreet       *bool            `json:"discreet"`
	Lang           string           `json:"lang"`
}

// SubscriptionKeys are the subscription's public key and auth secret, base64url.
type SubscriptionKeys struct {
	P256dh string `json:"p256dh"`
	Auth   string `json:"auth"`
}

const maxEndpoint = 1024 // real endpoints are under 500 bytes

// Problem codes of a ValidationError, one per field.
const (
	problemRequired        = "required"
	problemBadURL          = "bad_url"
	problemNotHTTPS        = "not_https"
	problemUnknownService  = "unknown_push_service"
	problemBadP256dh       = "bad_p256dh"
	problemBadAuth         = "bad_auth"
	problemUnknownOption   = "unknown_option"
	problemDuplicate       = "duplicate"
	problemEndpointChanged = "endpoint_changed"
)

// ValidationError lists what is wrong with a subscription, per field, as problem codes.
type ValidationError struct {
	Fields map[string]string
}

func (e *ValidationError) Error() string {
	names := make([]string, 0, len(e.Fields))
	for n := range e.Fields {
		names = append(names, n+": "+e.Fields[n])
	}
	sort.Strings(names)
	return "push: invalid subscription: " + strings.Join(names, "; ")
}

var problemMessages = map[string][2]string{
	problemRequired:        {"This field is required.", "Este campo es obligatorio."},
	problemBadURL:          {"This must be the push subscription's endpoint URL.", "Debe ser la URL del endpoint de la suscripción push."},
	problemNotHTTPS:        {"The endpoint must be an https URL.", "El endpoint debe ser una URL https."},
	problemUnknownService:  {"The endpoint is not on a known push service.", "El endpoint no es de un servicio push conocido."},
	problemBadP256dh:       {"This must be the subscription's P-256 public key (65 bytes, base64url).", "Debe ser la clave pública P-256 de la suscripción (65 bytes, base64url)."},
	problemBadAuth:         {"This must be the subscription's 16-byte auth secret (base64url).", "Debe ser el secreto auth de 16 bytes de la suscripción (base64url)."},
	problemUnknownOption:   {"This is not one of the allowed values.", "No es uno de los valores permitidos."},
	problemDuplicate:       {"A value appears twice.", "Un valor aparece dos veces."},
	problemEndpointChanged: {"The endpoint cannot change; subscribe again instead.", "El endpoint no puede cambiar; suscríbete de nuevo."},
}

// Messages returns, per field, a sentence in lang saying what to fix.
func (e *ValidationError) Messages(lang string) map[string]string {
	i := 0
	if lang == "es" {
		i = 1
	}
	out := make(map[string]string, len(e.Fields))
	for f, p := range e.Fields {
		out[f] = problemMessages[p][i]
	}
	return out
}

// validate checks a subscription and returns what to store (without token).
func (s *Service) validate(in SubscriptionInput, create bool) (*store.Subscription, error) {
	bad := map[string]string{}
	sub := &store.Subscription{Endpoint: in.Endpoint, Discreet: true, Lang: in.Lang}
	if p := s.checkEndpoint(in.Endpoint); p != "" {
		bad["endpoint"] = p
	}
	if in.Keys == nil {
		bad["keys"] = problemRequired
	} else {
		sub.P256dh, sub.Auth = strings.TrimRight(in.Keys.P256dh, "="), strings.TrimRight(in.Keys.Auth, "=")
		if !validP256dh(in.Keys.P256dh) {
			bad["keys.p256dh"] = problemBadP256dh
		}
		if b, err := decodeKey(in.Keys.Auth); err != nil || len(b) != 16 {
			bad["keys.auth"] = problemBadAuth
		}
	}
	// Left out means everything; an empty list is a mistake (it would never receive anything).
	if in.Kinds == nil {
		in.Kinds = append([]report.Kind(nil), report.Kinds...)
	} else if len(in.Kinds) == 0 {
		bad["kinds"] = problemRequired
	}
	seen := map[string]bool{}
	for _, k := range in.Kinds {
		switch {
		case !k.Valid():
			bad["kinds"] = problemUnknownOption
		case seen[string(k)]:
			bad["kinds"] = problemDuplicate
		}
		seen[string(k)] = true
	}
	sub.Kinds = in.Kinds
	if in.Areas == nil {
		in.Areas = append([]string(nil), s.areaCodes...)
	} else if len(in.Areas) == 0 {
		bad["areas"] = problemRequired
	}
	if len(in.Areas) > len(s.areas) {
		bad["areas"] = problemDuplicate // more than exist means at least one twice
	}
	seen = map[string]bool{}
	for _, a := range in.Areas {
		switch {
		case !s.areas[a]:
			bad["areas"] = problemUnknownOption
		case seen[a]:
			bad["areas"] = problemDuplicate
		}
		seen[a] = true
	}
	sub.Areas = in.Areas
	sub.MinSeverity = report.SeverityInfo
	if in.MinSeverity != nil {
		if !in.MinSeverity.Valid() {
			bad["min_severity"] = problemUnknownOption
		}
		sub.MinSeverity = *in.MinSeverity
	}
	// Discreet unless asked otherwise: a lock screen may be seen by the wrong person.
	if in.Discreet != nil {
		sub.Discreet = *in.Discreet
	}
	switch {
	case in.Lang == "":
		sub.Lang = report.Languages[0]
	case !validLang(in.Lang):
		bad["lang"] = problemUnknownOption
	}
	if len(bad) > 0 {
		return nil, &ValidationError{Fields: bad}
	}
	return sub, nil
}

// checkEndpoint accepts an https URL on a configured push service, or plain http on a host
// named in HEADSUP_PUSH_INSECURE_HOSTS. Anything else could make the server send requests to
// places of a client's choosing.
func (s *Service) checkEndpoint(endpoint string) string {
	if endpoint == "" {
		return problemRequired
	}
	if len(endpoint) > maxEndpoint || !utf8.ValidString(endpoint) {
		return problemBadURL
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" || u.User != nil || u.Fragment != "" || u.Opaque != "" {
		return problemBadURL
	}
	host := strings.ToLower(u.Hostname())
	switch u.Scheme {
	case "https":
	case "http":
		if s.insecure[host] || s.insecure[strings.ToLower(u.Host)] {
			return ""
		}
		return problemNotHTTPS
	default:
		return problemBadURL
	}
	if s.insecure[host] || s.insecure[strings.ToLower(u.Host)] {
		return ""
	}
	// Push services listen on 443 only; another port would let a client point our requests
	// at some other service on a push provider's hosts.
	if net.ParseIP(host) != nil || (u.Port() != "" && u.Port() != "443") {
		return problemUnknownService
	}
	for _, suffix := range s.services {
		if host == suffix || strings.HasSuffix(host, "."+suffix) {
			return ""
		}
	}
	return problemUnknownService
}

// validP256dh reports whether key is an uncompressed point on P-256; crypto/ecdh checks that
// the point is on the curve, so a subscription we could never encrypt for is refused now.
func validP256dh(key string) bool {
	b, err := decodeKey(key)
	if err != nil || len(b) != 65 || b[0] != 4 {
		return false
	}
	_, err = ecdh.P256().NewPublicKey(b)
	return err == nil
}

// decodeKey accepts base64url with or without padding, as browsers and libraries differ.
func decodeKey(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

func validLang(l string) bool {
	for _, x := range report.Languages {
		if x == l {
			return true
		}
	}
	return false
}
