//! 公示 pages: the public list, notice (with the objection form), receipt and status
//! look-up; the office's list with the drafting form, and one notice's editing and
//! objection handling.

use askama::Template;

use crate::publicity::objections::{Counts, Event, Objection, ObjectionState, Status};
use crate::publicity::{Notice, Window};
use crate::scoring::locked::LockedRound;
use crate::web::context::PageCtx;

/// What was typed into the objection form, kept when it is refused.
#[derive(Debug, Clone, Default)]
pub struct ObjectionValues {
    pub real_name: String,
    pub contact: String,
    pub body: String,
}

/// A notice as its pages show it: the official lines already worded.
pub struct NoticeView {
    pub notice: Notice,
    pub rounds: Vec<LockedRound>,
    pub window: Window,
    pub counts: Counts,
    /// 公示时间：…
    pub period_line: String,
    /// The date under the issuer (the first day of the period).
    pub dated: String,
    /// "公示期满，无异议。" or the count and outcomes, when there is something to say.
    pub outcome: Option<String>,
}

impl NoticeView {
    pub fn window_class(&self) -> &'static str {
        match self.window {
            Window::NotStarted => "pending",
            Window::Open => "open",
            Window::Ended => "closed",
        }
    }
}

/// Labels shared by the templates.
pub fn window_label(ctx: &PageCtx, window: &Window) -> String {
    ctx.t(&format!("publicity-window-{}", window.as_str()))
}

pub fn objection_state_label(ctx: &PageCtx, state: &ObjectionState) -> String {
    ctx.t(&format!("publicity-objection-{}", state.as_str()))
}

#[derive(Template)]
#[template(path = "publicity/list.html")]
pub struct PublicityListPage {
    pub ctx: PageCtx,
    pub notices: Vec<NoticeView>,
}

#[derive(Template)]
#[template(path = "publicity/show.html")]
pub struct PublicityPage {
    pub ctx: PageCtx,
    pub view: NoticeView,
    pub values: ObjectionValues,
    pub errors: Vec<String>,
    pub max_upload: String,
}

#[derive(Template)]
#[template(path = "publicity/receipt.html")]
pub struct ObjectionReceiptPage {
    pub ctx: PageCtx,
    pub code: String,
    pub notice_id: i64,
    pub notice_title: String,
}

#[derive(Template)]
#[template(path = "publicity/status.html")]
pub struct ObjectionStatusPage {
    pub ctx: PageCtx,
    pub code: String,
    pub looked_up: bool,
    pub status: Option<Status>,
}

/// What the drafting form holds.
#[derive(Debug, Clone, Default)]
pub struct DraftValues {
    pub rounds: Vec<i64>,
    pub starts_on: String,
}

#[derive(Template)]
#[template(path = "publicity/office_list.html")]
pub struct PublicityOfficePage {
    pub ctx: PageCtx,
    pub notices: Vec<NoticeView>,
    pub locked_rounds: Vec<LockedRound>,
    pub values: DraftValues,
    pub errors: Vec<String>,
}

impl PublicityOfficePage {
    pub fn round_checked(&self, id: &i64) -> bool {
        self.values.rounds.contains(id)
    }
}

/// The editing form's fields, as typed.
#[derive(Debug, Clone, Default)]
pub struct NoticeValues {
    pub title: String,
    pub body: String,
    pub issuer: String,
    pub contact: String,
    pub starts_on: String,
    pub ends_on: String,
}

impl NoticeValues {
    pub fn of(notice: &Notice) -> NoticeValues {
        NoticeValues {
            title: notice.title.clone(),
            body: notice.body.clone(),
            issuer: notice.issuer.clone(),
            contact: notice.contact.clone(),
            starts_on: notice.starts_on.to_string(),
            ends_on: notice.ends_on.to_string(),
        }
    }
}

#[derive(Template)]
#[template(path = "publicity/office_edit.html")]
pub struct PublicityEditPage {
    pub ctx: PageCtx,
    pub view: NoticeView,
    pub values: NoticeValues,
    pub errors: Vec<String>,
    pub objections: Vec<Objection>,
    pub events: Vec<Event>,
}

impl PublicityEditPage {
    pub fn events_of(&self, objection: &i64) -> Vec<&Event> {
        self.events
            .iter()
            .filter(|e| e.objection_id == *objection)
            .collect()
    }
}

/// 2026年12月2日至12月16日 (for templates, which pass references).
pub fn period_text(starts_on: &chrono::NaiveDate, ends_on: &chrono::NaiveDate) -> String {
    crate::publicity::text::chinese_period(*starts_on, *ends_on)
}
