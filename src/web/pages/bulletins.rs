//! Bulletin pages: the list with the office's issuing form, and one printable bulletin.

use askama::Template;

use crate::bulletins::Bulletin;
use crate::web::context::PageCtx;

#[derive(Debug, Clone, Default)]
pub struct BulletinValues {
    pub series: String,
    pub notice_kind: String,
    pub issuing_body: String,
    pub doc_number: String,
    pub copy_to: String,
    pub title: String,
    pub month: String,
    pub start: String,
    pub end: String,
    pub remarks: String,
}

#[derive(Template)]
#[template(path = "bulletins/list.html")]
pub struct BulletinsPage {
    pub ctx: PageCtx,
    pub bulletins: Vec<Bulletin>,
    pub values: BulletinValues,
    pub errors: Vec<String>,
}

#[derive(Template)]
#[template(path = "bulletins/show.html")]
pub struct BulletinPage {
    pub ctx: PageCtx,
    pub city: String,
    pub bulletin: Bulletin,
}

impl BulletinPage {
    /// Departments and counties ranked separately, each with its heading; empty for
    /// bulletins issued before organisations carried their kind.
    pub fn rankings(&self) -> Vec<(String, Vec<&crate::bulletins::OrgLine>)> {
        let figures = &self.bulletin.figures.0;
        [
            ("bulletin-rank-departments", figures.departments()),
            ("bulletin-rank-counties", figures.counties()),
        ]
        .into_iter()
        .filter(|(_, lines)| !lines.is_empty())
        .map(|(key, lines)| (self.ctx.t(key), lines))
        .collect()
    }
}
