//! Two-factor pages: the second step of signing in, enrolment, status, recovery codes.

use askama::Template;

use crate::web::context::PageCtx;

/// The second step of signing in: a code from the app or a recovery code.
#[derive(Template)]
#[template(path = "login_2fa.html")]
pub struct SecondStepPage {
    pub ctx: PageCtx,
    pub error: Option<String>,
    /// Days a browser may be remembered (0: the choice is not offered).
    pub remember_days: i64,
}

/// Enrolment: the QR code and the secret in text, and the confirming code.
#[derive(Template)]
#[template(path = "account/two_factor_enrol.html")]
pub struct EnrolPage {
    pub ctx: PageCtx,
    /// Base64 PNG of the QR code.
    pub qr_png: String,
    /// The secret, grouped in fours for typing.
    pub secret: String,
    /// The user's role requires a second factor (they arrived here forced).
    pub required: bool,
    pub errors: Vec<String>,
}

/// Two-factor sign-in is on: what is left, and how to turn it off.
#[derive(Template)]
#[template(path = "account/two_factor_status.html")]
pub struct TwoFactorStatusPage {
    pub ctx: PageCtx,
    pub unused_recovery_codes: i64,
    /// The role requires it, so the user may not turn it off.
    pub required: bool,
    pub errors: Vec<String>,
}

/// The recovery codes, shown this once after enrolment.
#[derive(Template)]
#[template(path = "account/two_factor_codes.html")]
pub struct RecoveryCodesPage {
    pub ctx: PageCtx,
    pub codes: Vec<String>,
}
