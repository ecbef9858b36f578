//! Bulletin pages: the list with the office's issuing form, and one printable bulletin.

use askama::Template;

use crate::bulletins::Bulletin;
use crate::web::context::PageCtx;

#[derive(Debug, Clone, Default)]
pub struct BulletinValues {
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
