package push

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/headsup/headsup/store"
)

// VAPIDKeys identify this server to push services (RFC 8292): base64url without padding, the
// public key as an uncompressed P-256 point, the private key as the 32-byte scalar.
type VAPIDKeys struct {
	Public  string `json:"public"`
	Private string `json:"private"`
}

// Check verifies that the private key is a P-256 scalar whose public key is Public, so that a
// mistyped environment variable fails at start-up and not as 401s from every push service.
func (k VAPIDKeys) Check() error {
	priv, err := decodeKey(k.Private)
	if err != nil || len(priv) != 32 {
		return errors.New("the VAPID private key must be 32 bytes, base64url")
	}
	key, err := ecdh.P256().NewPrivateKey(priv)
	if err != nil {
		return errors.New("the VAPID private key is not a valid P-256 key")
	}
	pub, err := decodeKey(k.Public)
	if err != nil || string(pub) != string(key.PublicKey().Bytes()) {
		return errors.New("the VAPID public key does not belong to the private key")
	}
	return nil
}

// GenerateVAPIDKeys makes a new key pair.
func GenerateVAPIDKeys() (VAPIDKeys, error) {
	key, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return VAPIDKeys{}, err
	}
	return VAPIDKeys{Public: base64.RawURLEncoding.EncodeToString(key.PublicKey().Bytes()),
		Private: base64.RawURLEncoding.EncodeToString(key.Bytes())}, nil
}

const vapidSetting = "vapid_keys"

// LoadVAPIDKeys returns the configured keys, or the ones generated at first start and kept in
// the settings collection. Both halves are stored in one setting, so that replicas starting at
// once agree on a pair and never mix two.
func LoadVAPIDKeys(ctx context.Context, s store.Settings, public, private string) (VAPIDKeys, error) {
	if public != "" || private != "" {
		k := VAPIDKeys{Public: public, Private: private}
		if err := k.Check(); err != nil {
			return k, fmt.Errorf("HEADSUP_VAPID_PUBLIC_KEY/HEADSUP_VAPID_PRIVATE_KEY: %w", err)
		}
		return k, nil
	}
	fresh, err := GenerateVAPIDKeys()
	if err != nil {
		return VAPIDKeys{}, err
	}
	data, _ := json.Marshal(fresh)
	stored, err := s.SettingOrCreate(ctx, vapidSetting, string(data))
	if err != nil {
		return VAPIDKeys{}, err
	}
	var k VAPIDKeys
	if err := json.Unmarshal([]byte(stored), &k); err != nil {
		return k, fmt.Errorf("stored VAPID keys: %w", err)
	}
	if err := k.Check(); err != nil {
		return k, fmt.Errorf("stored VAPID keys: %w", err)
	}
	return k, nil
}
