package mongodb

import "regexp"

// addressPattern matches what a driver error may carry about where the database is: a
// connection string (which can hold a password), IPv4 and IPv6 addresses, and host:port pairs.
// Under docker-compose the last is the database container's address.
var addressPattern = regexp.MustCompile(`mongodb(?:\+srv)?://\S+` +
	`|\[?(?:[0-9a-fA-F]{0,4}:){2,7}[0-9a-fA-F]{0,4}\]?(?::\d+)?` +
	`|\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?` +
	`|[A-Za-z0-9][A-Za-z0-9.-]*:\d{2,5}\b`)

// redactedError is a driver error whose text has the database's addresses removed, so that
// nothing logged names a network address (DESIGN: no address in any log line). errors.Is and
// errors.As still reach the driver error underneath.
type redactedError struct{ err error }

func (r redactedError) Error() string {
	return addressPattern.ReplaceAllString(r.err.Error(), "[address]")
}
func (r redactedError) Unwrap() error { return r.err }

// redact hides the addresses in err's text; nil stays nil.
func redact(err error) error {
	if err == nil {
		return nil
	}
	return redactedError{err}
}
