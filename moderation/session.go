package moderation

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/store"
)

// Session rules.
const (
	// CookieName has the __Host- prefix: browsers accept it only with Secure, Path=/ and no
	// Domain, so no other host or path can set or shadow it.
	CookieName = "__Host-headsup_session"
	// IdleTimeout ends a session nobody used for this long: a moderator who walked away
	// from a shared computer.
	IdleTimeout = 30 * time.Minute
	// AbsoluteTimeout ends every session this long after sign-in, however busy.
	AbsoluteTimeout = 12 * time.Hour
	// signInTimeout is how long the steps between password and second factor may take.
	signInTimeout = 10 * time.Minute
	// touchEvery limits the writes that push back the idle timeout to one a minute.
	touchEvery = time.Minute
)

// Context keys set by the session middleware.
const (
	ctxModerator = "moderation.moderator"
	ctxSession   = "moderation.session"
)

// newToken returns a 256-bit random token and the SHA-256 under which it is stored.
func newToken() (token, hash string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, hashToken(token)
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func setSessionCookie(c *gin.Context, token string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: CookieName, Value: token, Path: "/", MaxAge: maxAge,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode,
	})
}

// startSession replaces whatever session the browser had with a new one, with a new token:
// a token planted before sign-in (session fixation) is worth nothing after it.
func (s *server) startSession(c *gin.Context, moderatorID string, full bool) error {
	if token, err := c.Cookie(CookieName); err == nil && token != "" {
		if err := s.store.DeleteSession(c.Request.Context(), hashToken(token)); err != nil {
			return err
		}
	}
	token, hash := newToken()
	now := s.now()
	if err := s.store.CreateSession(c.Request.Context(), &store.Session{
		ID: hash, ModeratorID: moderatorID, Full: full, Created: now, LastSeen: now,
	}); err != nil {
		return err
	}
	// No MaxAge for a full session: the cookie goes when the browser closes, and the server
	// ends the session earlier by its own timeouts.
	setSessionCookie(c, token, 0)
	return nil
}

// dropSession ends the browser's current session on the server, if any, and clears the cookie.
func (s *server) dropSession(c *gin.Context) {
	if token, err := c.Cookie(CookieName); err == nil && token != "" {
		_ = s.store.DeleteSession(c.Request.Context(), hashToken(token))
	}
	setSessionCookie(c, "", -1)
}

// loadSession finds the browser's live session and its account, or nil. Expired sessions and
// sessions of disabled accounts are deleted on sight.
func (s *server) loadSession(c *gin.Context) (*store.Session, *store.Moderator, error) {
	token, err := c.Cookie(CookieName)
	if err != nil || token == "" || len(token) > 100 {
		return nil, nil, nil
	}
	ctx := c.Request.Context()
	sess, err := s.store.Session(ctx, hashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	now := s.now()
	lifetime := AbsoluteTimeout
	if !sess.Full {
		lifetime = signInTimeout
	}
	if now.Sub(sess.LastSeen) >= IdleTimeout || now.Sub(sess.Created) >= lifetime {
		_ = s.store.DeleteSession(ctx, sess.ID)
		return nil, nil, nil
	}
	m, err := s.store.Moderator(ctx, sess.ModeratorID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && m.Disabled) {
		_ = s.store.DeleteSession(ctx, sess.ID)
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	// The progress poll is not activity: a tab left open must not keep a session alive.
	if now.Sub(sess.LastSeen) >= touchEvery && !isPoll(c) {
		if err := s.store.TouchSession(ctx, sess.ID, now); err != nil {
			return nil, nil, err
		}
	}
	return sess, m, nil
}

func isPoll(c *gin.Context) bool { return strings.HasSuffix(c.FullPath(), "/progress") }

// refuseAnonymous sends a browser without a usable session to sign in: a page request is
// redirected, a form post or a JSON poll gets 401 (re-posting a form after sign-in would act
// without the moderator seeing the page again).
func (s *server) refuseAnonymous(c *gin.Context) {
	if isPoll(c) {
		c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"error": "signed_out"})
		return
	}
	if c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead {
		c.Redirect(http.StatusSeeOther, "/moderation/login")
		c.Abort()
		return
	}
	s.showMessage(c, http.StatusUnauthorized, "message.signed_out.heading", "message.signed_out.text", "link.sign_in", "/moderation/login")
}

// requireSession lets through any live session, complete or between sign-in steps: the steps
// themselves and sign-out need no more.
func (s *server) requireSession(c *gin.Context) {
	sess, m, ok := s.liveSession(c)
	if !ok {
		return
	}
	admit(c, sess, m)
}

// requireStaff lets through a complete sign-in (password and second factor) of any role,
// outreach staff included: the staff entry page and the home redirect need no more.
func (s *server) requireStaff(c *gin.Context) {
	sess, m, ok := s.fullSession(c)
	if !ok {
		return
	}
	admit(c, sess, m)
}

// requireModerator lets through a complete sign-in of a moderator or an admin. Outreach staff
// are refused: they file reports for others and must not read anyone's report or the queue.
func (s *server) requireModerator(c *gin.Context) {
	sess, m, ok := s.fullSession(c)
	if !ok {
		return
	}
	if m.Role == store.RoleOutreach {
		s.showMessage(c, http.StatusForbidden, "message.outreach_only.heading", "message.outreach_only.text", "link.outreach", "/moderation/outreach")
		return
	}
	admit(c, sess, m)
}

// fullSession loads a complete sign-in for the middleware; for anything less it has answered
// the request (a redirect to the next sign-in step, or a refusal) and returns false.
func (s *server) fullSession(c *gin.Context) (*store.Session, *store.Moderator, bool) {
	sess, m, ok := s.liveSession(c)
	if !ok {
		return nil, nil, false
	}
	if !sess.Full {
		if c.Request.Method == http.MethodGet && !isPoll(c) {
			c.Redirect(http.StatusSeeOther, s.nextStep(m))
			c.Abort()
			return nil, nil, false
		}
		s.refuseAnonymous(c)
		return nil, nil, false
	}
	return sess, m, true
}

// homeOf is where an account lands after signing in: the queue, or for outreach staff the
// only page they have.
func homeOf(m *store.Moderator) string {
	if m.Role == store.RoleOutreach {
		return "/moderation/outreach"
	}
	return "/moderation/queue"
}

// liveSession loads the browser's session for the middleware; without one it has answered
// the request and returns false.
func (s *server) liveSession(c *gin.Context) (*store.Session, *store.Moderator, bool) {
	sess, m, err := s.loadSession(c)
	if err != nil {
		s.fail(c, err)
		return nil, nil, false
	}
	if sess == nil {
		s.refuseAnonymous(c)
		return nil, nil, false
	}
	return sess, m, true
}

func admit(c *gin.Context, sess *store.Session, m *store.Moderator) {
	c.Set(ctxSession, sess)
	c.Set(ctxModerator, m)
	c.Next()
}

// requireAdmin refuses moderators who are not admins; it runs after requireModerator.
func (s *server) requireAdmin(c *gin.Context) {
	if me(c).Role != store.RoleAdmin {
		s.showMessage(c, http.StatusForbidden, "message.admins_only.heading", "message.admins_only.text", "link.queue", "/moderation/queue")
		return
	}
	c.Next()
}

// me is the signed-in moderator; only call it behind the session middleware.
func me(c *gin.Context) *store.Moderator { return c.MustGet(ctxModerator).(*store.Moderator) }

func currentSession(c *gin.Context) *store.Session { return c.MustGet(ctxSession).(*store.Session) }
