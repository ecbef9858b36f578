//! The evidence preview page (`/files/{id}/preview`) and its body alone
//! (`?fragment=1`, loaded into an item page's preview panel).

use askama::Template;

use crate::web::context::PageCtx;
use crate::web::preview_view::PreviewBody;

/// The file the preview is of.
pub struct PreviewFile {
    pub version_id: i64,
    pub title: String,
    pub file_name: String,
    pub size: String,
    pub version: i32,
    pub task_id: i64,
}

#[derive(Template)]
#[template(path = "evidence/preview.html")]
pub struct PreviewPage {
    pub ctx: PageCtx,
    pub file: PreviewFile,
    pub body: PreviewBody,
}

#[derive(Template)]
#[template(path = "evidence/preview_fragment.html")]
pub struct PreviewFragment {
    pub ctx: PageCtx,
    pub file: PreviewFile,
    pub body: PreviewBody,
}
