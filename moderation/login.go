package moderation

import (
	"errors"
	"html/template"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/store"
)

// Lockout: after lockAfter failures in a row an account waits, first lockBase, doubling with
// each further failure up to lockMax. Counting per account (not per address, which we never
// keep) stops guessing from any number of machines.
const (
	lockAfter = 5
	lockBase  = 30 * time.Second
	lockMax   = time.Hour
)

func lockFor(failures int) time.Duration {
	if failures < lockAfter {
		return 0
	}
	d := lockBase
	for i := lockAfter; i < failures && d < lockMax; i++ {
		d *= 2
	}
	return min(d, lockMax)
}

// signInRefused is the one answer to every failed sign-in, so that it tells nothing about
// whether the name exists, the password was right or the account is locked.
const signInRefused problem = "error.sign_in"

type loginData struct {
	Name  string
	Error string
}

func (s *server) showLogin(c *gin.Context) {
	if sess, m, err := s.loadSession(c); err == nil && sess != nil && sess.Full {
		c.Redirect(http.StatusSeeOther, homeOf(m))
		return
	}
	s.render(c, http.StatusOK, "login", "login.title", loginData{})
}

// signIn checks the password and starts the remaining sign-in steps.
func (s *server) signIn(c *gin.Context) {
	ctx := c.Request.Context()
	name := c.PostForm("name")
	password := c.PostForm("password")
	refuse := func() {
		s.render(c, http.StatusUnauthorized, "login", "login.title", loginData{Name: name, Error: signInRefused.In(pageLanguage(c))})
	}
	var m *store.Moderator
	var err error
	if ValidName(name) && len(password) <= 4*maxPasswordRunes {
		m, err = s.store.ModeratorByName(ctx, name)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			s.fail(c, err)
			return
		}
	}
	if m == nil || m.Disabled || s.now().Before(m.LockedUntil) {
		// The hash is computed all the same, so the time taken does not tell these apart
		// from a wrong password.
		verifyPassword(s.dummyHash, password)
		if m != nil {
			s.audit(ctx, m.Name, ActionSignInFailed, m.Name, "refused")
		} else {
			s.audit(ctx, "", ActionSignInFailed, "", "unknown account") // the typed name may be a password: not kept
		}
		refuse()
		return
	}
	if !verifyPassword(m.PasswordHash, password) {
		if s.recordFailedSignIn(c, m, "password") {
			refuse()
		}
		return
	}
	if !m.MustChangePassword && !s.totpRequired {
		s.completeSignIn(c, m)
		return
	}
	if err := s.prepareEnrolment(c, m); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.startSession(c, m.ID, false); err != nil {
		s.fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, s.nextStep(m))
}

// prepareEnrolment makes the TOTP secret an account will enrol, when it has none: here, in a
// POST, so that showing the enrolment page changes nothing.
func (s *server) prepareEnrolment(c *gin.Context, m *store.Moderator) error {
	if !s.totpRequired || m.TOTPEnrolled || m.TOTPSecret != "" {
		return nil
	}
	secret, err := newTOTPSecret(s.siteName, m.Name)
	if err != nil {
		return err
	}
	if err := s.store.SetTOTPSecret(c.Request.Context(), m.ID, secret); err != nil {
		return err
	}
	m.TOTPSecret = secret
	return nil
}

// nextStep is where an account between password and a complete sign-in goes next.
func (s *server) nextStep(m *store.Moderator) string {
	switch {
	case m.MustChangePassword:
		return "/moderation/login/password"
	case s.totpRequired && !m.TOTPEnrolled:
		return "/moderation/login/enroll"
	case s.totpRequired:
		return "/moderation/login/totp"
	}
	return homeOf(m)
}

// completeSignIn replaces the sign-in session with a full one under a new token.
func (s *server) completeSignIn(c *gin.Context, m *store.Moderator) {
	ctx := c.Request.Context()
	if err := s.store.RecordSignIn(ctx, m.ID); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.startSession(c, m.ID, true); err != nil {
		s.fail(c, err)
		return
	}
	s.audit(ctx, m.Name, ActionSignIn, m.Name, "")
	c.Redirect(http.StatusSeeOther, homeOf(m))
}

// requireStep sends a browser that is on the wrong sign-in step to the right one: each step
// after the password is the route at the path nextStep names for it.
func (s *server) requireStep(c *gin.Context) {
	if currentSession(c).Full {
		c.Redirect(http.StatusSeeOther, homeOf(me(c)))
		c.Abort()
		return
	}
	if next := s.nextStep(me(c)); next != c.FullPath() {
		c.Redirect(http.StatusSeeOther, next)
		c.Abort()
	}
}

type passwordData struct {
	Name  string
	Error string
}

func (s *server) showPasswordChange(c *gin.Context) {
	s.render(c, http.StatusOK, "password", "password.title", passwordData{Name: me(c).Name})
}

// changePassword replaces the one-time password with the moderator's own.
func (s *server) changePassword(c *gin.Context) {
	m := me(c)
	password, confirm := c.PostForm("password"), c.PostForm("confirm")
	err := checkPassword(m.Name, password)
	if err == nil && password != confirm {
		err = problem("error.password_mismatch")
	}
	if err == nil && verifyPassword(m.PasswordHash, password) {
		err = problem("error.password_reused")
	}
	if err != nil {
		var p problem
		errors.As(err, &p) // every refusal above is a problem
		s.render(c, http.StatusBadRequest, "password", "password.title", passwordData{Name: m.Name, Error: p.In(pageLanguage(c))})
		return
	}
	ctx := c.Request.Context()
	if err := s.store.SetPassword(ctx, m.ID, hashPassword(s.hashing, password)); err != nil {
		s.fail(c, err)
		return
	}
	m.MustChangePassword = false
	s.audit(ctx, m.Name, ActionPasswordChanged, m.Name, "")
	if err := s.prepareEnrolment(c, m); err != nil {
		s.fail(c, err)
		return
	}
	next := s.nextStep(m)
	if next == homeOf(m) {
		s.completeSignIn(c, m)
		return
	}
	c.Redirect(http.StatusSeeOther, next)
}

type enrolData struct {
	QR     template.URL
	Secret string
	Issuer string
	Name   string
	Error  string
}

func (s *server) showEnrol(c *gin.Context) {
	s.renderEnrol(c, me(c), http.StatusOK, "")
}

// renderEnrol shows the enrolment page; msg is a refusal, or "" on first sight.
func (s *server) renderEnrol(c *gin.Context, m *store.Moderator, status int, msg problem) {
	if m.TOTPSecret == "" {
		s.showMessage(c, http.StatusConflict, "message.start_again.heading", "message.start_again.text", "link.sign_in", "/moderation/login")
		return
	}
	key, err := totpKey(s.siteName, m.Name, m.TOTPSecret)
	if err != nil {
		s.fail(c, err)
		return
	}
	qr, err := totpQR(key)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, status, "enroll", "enroll.title", enrolData{QR: qr, Secret: groupSecret(m.TOTPSecret), Issuer: s.siteName, Name: m.Name, Error: msg.In(pageLanguage(c))})
}

// enrol confirms the authenticator with a first code and completes the sign-in.
func (s *server) enrol(c *gin.Context) {
	m := me(c)
	ctx := c.Request.Context()
	if s.now().Before(m.LockedUntil) {
		s.renderEnrol(c, m, http.StatusUnauthorized, signInRefused)
		return
	}
	step, ok := matchTOTP(m.TOTPSecret, c.PostForm("code"), s.now())
	if !ok || m.TOTPSecret == "" {
		if _, err := s.store.RecordFailedSignIn(ctx, m.ID, lockFor); err != nil {
			s.fail(c, err)
			return
		}
		s.renderEnrol(c, m, http.StatusBadRequest, "error.code_mismatch")
		return
	}
	if err := s.store.EnrolTOTP(ctx, m.ID, step); err != nil {
		s.fail(c, err)
		return
	}
	s.audit(ctx, m.Name, ActionTOTPEnrolled, m.Name, "")
	s.completeSignIn(c, m)
}

type totpData struct {
	Error string
}

func (s *server) showTOTP(c *gin.Context) {
	s.render(c, http.StatusOK, "totp", "totp.title", totpData{})
}

// verifyTOTP checks the second factor. A code is accepted once: its time step is recorded
// atomically, and a code from that step or an earlier one is refused afterwards.
func (s *server) verifyTOTP(c *gin.Context) {
	m := me(c)
	ctx := c.Request.Context()
	refuse := func() {
		s.render(c, http.StatusUnauthorized, "totp", "totp.title", totpData{Error: signInRefused.In(pageLanguage(c))})
	}
	if s.now().Before(m.LockedUntil) {
		refuse()
		return
	}
	step, ok := matchTOTP(m.TOTPSecret, c.PostForm("code"), s.now())
	if ok {
		var err error
		if ok, err = s.store.UseTOTPStep(ctx, m.ID, step); err != nil {
			s.fail(c, err)
			return
		}
	}
	if !ok {
		if s.recordFailedSignIn(c, m, "code") {
			refuse()
		}
		return
	}
	s.completeSignIn(c, m)
}

// recordFailedSignIn counts a wrong password or code (what) towards the account's lock and
// audits it. It answers a failure to store that itself and returns false.
func (s *server) recordFailedSignIn(c *gin.Context, m *store.Moderator, what string) bool {
	ctx := c.Request.Context()
	if _, err := s.store.RecordFailedSignIn(ctx, m.ID, lockFor); err != nil {
		s.fail(c, err)
		return false
	}
	s.audit(ctx, m.Name, ActionSignInFailed, m.Name, what)
	return true
}

// signOut ends the session on the server, not only in the browser.
func (s *server) signOut(c *gin.Context) {
	m := me(c)
	s.dropSession(c)
	if currentSession(c).Full {
		s.audit(c.Request.Context(), m.Name, ActionSignOut, m.Name, "")
	}
	c.Redirect(http.StatusSeeOther, "/moderation/login?done=signedout")
}
