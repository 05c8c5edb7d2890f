// Package push delivers alerts to subscribed browsers with Web Push (RFC 8030, 8291, 8292):
// VAPID keys, subscriptions, and the crash-safe fan-out dispatcher.
package push

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

// ErrUnauthorized means the bearer token does not belong to the subscription.
var ErrUnauthorized = errors.New("push: wrong subscription token")

// Store is what pushing needs from the database: the subscriptions, the fan-out jobs and the
// alerts they push.
type Store interface {
	store.Subscriptions
	store.Deliveries
	Alert(ctx context.Context, id string) (*report.Alert, error)
}

// Options configure a Service.
type Options struct {
	Store Store
	Keys  VAPIDKeys
	// Subject is the VAPID contact, mailto: or https: (config.Config.PushSubject).
	Subject string
	// Services are the host suffixes a subscription endpoint may use (HEADSUP_PUSH_SERVICES).
	Services []string
	// InsecureHosts may be plain-http endpoints, host or host:port (HEADSUP_PUSH_INSECURE_HOSTS;
	// tests only).
	InsecureHosts []string
	Areas         []report.Area
	// BaseURL is the public site, for the link in each push.
	BaseURL string
	Log     *slog.Logger
	// HTTPClient sends every push; nil means NewHTTPClient(nil). Share one: its connections
	// and HTTP/2 streams are what make a fan-out fast.
	HTTPClient *http.Client
}

// Service holds push state shared by the API and the dispatcher.
type Service struct {
	store     Store
	keys      VAPIDKeys
	subject   string
	services  []string
	insecure  map[string]bool
	areas     map[string]bool
	areaCodes []string
	baseURL   string
	log       *slog.Logger
	client    *http.Client
	sender    *Sender
	topicKey  []byte
}

// New builds a Service.
func New(o Options) *Service {
	s := &Service{
		store: o.Store, keys: o.Keys, subject: o.Subject, baseURL: strings.TrimRight(o.BaseURL, "/"),
		log: o.Log, client: o.HTTPClient, insecure: map[string]bool{}, areas: map[string]bool{},
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.client == nil {
		s.client = NewHTTPClient(nil)
	}
	s.client = measured(s.client)
	s.sender = NewSender(s.client, o.Keys, o.Subject)
	for _, h := range o.Services {
		s.services = append(s.services, strings.ToLower(strings.TrimPrefix(strings.TrimSpace(h), ".")))
	}
	for _, h := range o.InsecureHosts {
		s.insecure[strings.ToLower(strings.TrimSpace(h))] = true
	}
	for _, a := range o.Areas {
		s.areas[a.Code] = true
		s.areaCodes = append(s.areaCodes, a.Code)
	}
	// Topics are keyed so that a push service, which sees them in clear, cannot tell which
	// public alert a browser was sent (the payload itself is encrypted end to end).
	sum := sha256.Sum256([]byte("headsup topic key\x00" + o.Keys.Private))
	s.topicKey = sum[:]
	return s
}

// PublicKey is the VAPID public key browsers subscribe with (applicationServerKey).
func (s *Service) PublicKey() string { return s.keys.Public }

// Subscribe stores a browser's subscription, replacing the one it made before with the same
// endpoint, and returns its id and a new token. The token is shown only this once; only its
// hash is kept.
func (s *Service) Subscribe(ctx context.Context, in SubscriptionInput) (id, token string, err error) {
	sub, err := s.validate(in, true)
	if err != nil {
		return "", "", err
	}
	token = newToken()
	sub.TokenHash = hashToken(token)
	if id, err = s.store.SaveSubscription(ctx, sub); err != nil {
		return "", "", err
	}
	return id, token, nil
}

// UpdateSubscription changes what subscription id receives. It returns store.ErrNotFound for
// an unknown id and ErrUnauthorized for a wrong token.
func (s *Service) UpdateSubscription(ctx context.Context, id, token string, in SubscriptionInput) error {
	old, err := s.authorize(ctx, id, token)
	if err != nil {
		return err
	}
	if in.Endpoint == "" {
		in.Endpoint = old.Endpoint
	}
	if in.Keys == nil {
		in.Keys = &SubscriptionKeys{P256dh: old.P256dh, Auth: old.Auth}
	}
	sub, err := s.validate(in, false)
	if err != nil {
		return err
	}
	if sub.Endpoint != old.Endpoint {
		// The id is derived from the endpoint; a browser with a new one subscribes again.
		return &ValidationError{Fields: map[string]string{"endpoint": problemEndpointChanged}}
	}
	return s.store.UpdateSubscription(ctx, id, old.TokenHash, sub)
}

// Unsubscribe deletes subscription id. Errors as UpdateSubscription.
func (s *Service) Unsubscribe(ctx context.Context, id, token string) error {
	old, err := s.authorize(ctx, id, token)
	if err != nil {
		return err
	}
	return s.store.DeleteSubscription(ctx, id, old.TokenHash)
}

func (s *Service) authorize(ctx context.Context, id, token string) (*store.Subscription, error) {
	sub, err := s.store.Subscription(ctx, id)
	if err != nil {
		return nil, err
	}
	// Both sides are hashes of equal length; constant time so that response timing says
	// nothing about how much of a guess was right.
	if subtle.ConstantTimeCompare([]byte(hashToken(token)), []byte(sub.TokenHash)) != 1 {
		return nil, ErrUnauthorized
	}
	return sub, nil
}

// newToken returns 256 random bits, URL-safe.
func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashToken is SHA-256: the token is 256 random bits, so a slow hash would add nothing.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
