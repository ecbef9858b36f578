//! The audit page: filters, one page of events in readable words, links to the older
//! and newer pages, and the export of everything the filters match.

use askama::Template;

use crate::audit::{Page, Row};
use crate::i18n::Lang;
use crate::orgs::Organisation;
use crate::web::context::PageCtx;
use crate::web::handlers::AuditQuery;

/// An action code in words (`file.download` → 下载文件), from the message
/// `audit-action-file-download`; a code without a message shows as itself, so an
/// action added later is never hidden.
pub fn action_label(lang: Lang, code: &str) -> String {
    let key = format!("audit-action-{}", code.replace(['.', '_'], "-"));
    let text = lang.t(&key);
    if text == key { code.to_string() } else { text }
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
pub struct AuditPage {
    pub ctx: PageCtx,
    pub page: Page,
    pub actions: Vec<String>,
    pub organisations: Vec<Organisation>,
    pub query: AuditQuery,
    /// What is wrong with the filters (nothing is searched until it is fixed).
    pub errors: Vec<String>,
}

impl AuditPage {
    pub fn action_label(&self, code: &str) -> String {
        action_label(self.ctx.lang(), code)
    }

    pub fn summary(&self, row: &Row) -> String {
        crate::audit::readable_summary(
            &row.summary,
            &self.ctx.t("audit-yes"),
            &self.ctx.t("audit-no"),
        )
    }

    pub fn org_selected(&self, id: &i64) -> bool {
        self.query.org.trim() == id.to_string()
    }

    /// The filters as a query string (without a cursor).
    fn filters(&self) -> String {
        let q = &self.query;
        let enc =
            |s: &str| url::form_urlencoded::byte_serialize(s.trim().as_bytes()).collect::<String>();
        format!(
            "q={}&user={}&org={}&action={}&from={}&to={}",
            enc(&q.q),
            enc(&q.user),
            enc(&q.org),
            enc(&q.action),
            enc(&q.from),
            enc(&q.to)
        )
    }

    pub fn older_link(&self) -> Option<String> {
        let id = self.page.older?;
        Some(format!("/admin/audit?{}&before={id}", self.filters()))
    }

    pub fn newer_link(&self) -> Option<String> {
        let id = self.page.newer?;
        Some(format!("/admin/audit?{}&after={id}", self.filters()))
    }

    pub fn export_link(&self) -> String {
        format!("/admin/audit/export.csv?{}", self.filters())
    }
}
