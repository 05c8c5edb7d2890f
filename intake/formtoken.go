package intake

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"time"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

// A form token makes sending a report form idempotent without putting anything in a URL.
// Every view of a report form carries a fresh token: 128 random bits, the minute it was issued
// and a tag made with the receipt key, so the server knows it issued it. The receipt code of a
// report sent with a token is derived from the token and what was sent (HMAC under the receipt
// key), so when the browser sends the same form again — a reload of the receipt page, a
// restored tab, Back and resend, a double tap — the code and its stored hash come out the
// same, and the reporter sees the report already stored instead of a second one or an error.
// Binding the code to the content means a second person who finds the same form on a shared
// tablet and writes another report never sees the first person's receipt.

// FormTokenTTL is how long a form token may be used: long enough for a form left open
// overnight, short enough that a tab restored days later no longer shows a receipt code to
// whoever holds the phone. Used tokens are remembered as long (store.MarkSpent).
const FormTokenTTL = 48 * time.Hour

const (
	formNonceBytes = 16
	formTagBytes   = 16
	formTokenBytes = formNonceBytes + 4 + formTagBytes
)

// sameFormWait bounds how long a second send of a form waits for the first one, still being
// stored, to appear (a double tap: the browser shows only the second answer).
var sameFormWait = 3 * time.Second

var (
	// ErrBadFormToken means the form token was not issued by this service (or was altered).
	ErrBadFormToken = errors.New("form token not issued here")
	// ErrFormExpired means the form was opened more than FormTokenTTL ago and nothing was
	// stored: the page keeps what was typed and offers a fresh form.
	ErrFormExpired = errors.New("form opened too long ago")
	// ErrFormUsed means the form already sent a different report, or one since withdrawn;
	// nothing new was stored.
	ErrFormUsed = errors.New("form already used")
)

// NewFormToken returns a token for one view of a report form.
func (s *Service) NewFormToken() string {
	var b [formTokenBytes]byte
	_, _ = rand.Read(b[:formNonceBytes])
	binary.BigEndian.PutUint32(b[formNonceBytes:], uint32(s.Now().Unix()/60))
	copy(b[formNonceBytes+4:], s.Receipts.formTag(b[:formNonceBytes+4]))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func (k ReceiptKey) formTag(body []byte) []byte {
	m := hmac.New(sha256.New, k.derive("form token"))
	m.Write(body)
	return m.Sum(nil)[:formTagBytes]
}

// formToken is an opened, genuine token.
type formToken struct {
	nonce  []byte
	issued time.Time
}

func (k ReceiptKey) openFormToken(tok string) (formToken, error) {
	if len(tok) != base64.RawURLEncoding.EncodedLen(formTokenBytes) {
		return formToken{}, ErrBadFormToken
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) != formTokenBytes {
		return formToken{}, ErrBadFormToken
	}
	if !hmac.Equal(b[formNonceBytes+4:], k.formTag(b[:formNonceBytes+4])) {
		return formToken{}, ErrBadFormToken
	}
	minutes := int64(binary.BigEndian.Uint32(b[formNonceBytes:]))
	return formToken{nonce: b[:formNonceBytes], issued: time.Unix(minutes*60, 0)}, nil
}

// code is the receipt code of this form sent with this content.
func (k ReceiptKey) code(t formToken, kind string, fields []byte) string {
	content := sha256.Sum256(append([]byte(kind+"\x00"), fields...))
	m := hmac.New(sha256.New, k.derive("receipt code"))
	m.Write(t.nonce)
	m.Write(content[:])
	var b [receiptBytes]byte
	copy(b[:], m.Sum(nil))
	return encodeReceipt(b)
}

// sentForm is a submission's form token, opened, with the code it yields.
type sentForm struct {
	token formToken
	code  string
	hash  string
}

// openForm checks a submission's token. It returns nil without a token (the JSON API, or a
// page loaded before tokens existed), which then gets a random code; and a receipt when this
// form and content were already stored.
func (s *Service) openForm(ctx context.Context, sub Submission) (*sentForm, *Receipt, error) {
	if sub.FormToken == "" {
		return nil, nil, nil
	}
	t, err := s.Receipts.openFormToken(sub.FormToken)
	if err != nil {
		return nil, nil, err
	}
	f := &sentForm{token: t, code: s.Receipts.code(t, sub.Kind, sub.Fields)}
	f.hash, _ = s.Receipts.Hash(f.code)
	fresh := s.Now().Sub(t.issued) <= FormTokenTTL
	r, err := s.Store.ReportByReceipt(ctx, f.hash)
	switch {
	case err == nil:
		return f, f.again(r, fresh), nil
	case !errors.Is(err, store.ErrNotFound):
		return nil, nil, err
	case !fresh:
		return nil, nil, ErrFormExpired
	}
	return f, nil, nil
}

// again is the receipt of a report this form already sent. After FormTokenTTL the code is
// withheld: the page then says the report was received and its code shown at the time.
func (f *sentForm) again(r *report.Report, fresh bool) *Receipt {
	rec := &Receipt{ID: r.ID, Status: r.Status, Again: true, Submitted: r.SubmittedDay}
	if fresh {
		rec.Code = f.code
	}
	return rec
}

// claim records that the form was used, so that it cannot send a second report after the
// first was withdrawn. When it was already used, it waits a moment for a first send still
// being stored and returns that receipt, or ErrFormUsed.
func (s *Service) claim(ctx context.Context, f *sentForm) (*Receipt, error) {
	first, err := s.Store.MarkSpent(ctx, "form:"+hex.EncodeToString(f.token.nonce), f.token.issued.Add(FormTokenTTL))
	if err != nil {
		return nil, err
	}
	if first {
		return nil, nil
	}
	if rec := s.sentMeanwhile(ctx, f); rec != nil {
		return rec, nil
	}
	return nil, ErrFormUsed
}

// resent explains a spent proof of work: when it came with a form token, the form may have
// been sent before (a double tap, or a resend after the report was withdrawn). It returns
// that receipt, or ErrFormUsed, or ErrReplayedProof when the form was not used (or there is
// none) and the proof came from elsewhere; a store failure passes through, as an outage.
func (s *Service) resent(ctx context.Context, f *sentForm) (*Receipt, error) {
	if f == nil {
		return nil, ErrReplayedProof
	}
	sent, err := s.claim(ctx, f)
	if sent != nil || err != nil {
		return sent, err
	}
	return nil, ErrReplayedProof
}

// sentMeanwhile waits up to sameFormWait for the report of the same form and content, sent
// by an earlier request that is still being stored, and returns its receipt, or nil.
func (s *Service) sentMeanwhile(ctx context.Context, f *sentForm) *Receipt {
	deadline := time.Now().Add(sameFormWait)
	for {
		r, err := s.Store.ReportByReceipt(ctx, f.hash)
		if err == nil {
			return f.again(r, true)
		}
		if !errors.Is(err, store.ErrNotFound) || time.Now().After(deadline) {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(100 * time.Millisecond):
		}
	}
}
