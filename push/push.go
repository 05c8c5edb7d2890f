// Package push delivers alerts to subscribed browsers with Web Push (RFC 8030, 8291, 8292):
// VAPID keys, subscriptions, and the crash-safe fan-out dispatcher.
package push

// Service holds push state shared by the API and the dispatcher.
type Service struct{}
