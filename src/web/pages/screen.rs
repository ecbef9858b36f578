//! The command centre's 大屏: a full-screen, dark view for a wall screen, refreshed in
//! place every minute (the page fetches its own body again; nothing reloads).

use std::sync::Arc;

use askama::Template;

use crate::campaigns::Campaign;
use crate::orgs::OrgKind;
use crate::supervision::OrgLights;
use crate::web::context::PageCtx;
use crate::web::summary::Summary;

/// Units shown per column of "单位进度预警".
const BEHIND_SHOWN: usize = 8;

#[derive(Template)]
#[template(path = "screen/screen.html")]
pub struct ScreenPage {
    pub ctx: PageCtx,
    pub campaign: Campaign,
    pub summary: Arc<Summary>,
    pub lights: Vec<OrgLights>,
    /// 督办单 issued and not yet closed.
    pub open_orders: i64,
    /// Seconds between refreshes.
    pub every: u32,
    /// Only the body, for the page's own refresh.
    pub fragment: bool,
    /// When the figures were read: 09:30 China time.
    pub at: String,
}

impl ScreenPage {
    /// The units of `kind` with red or yellow tasks, worst first.
    pub fn behind(&self, kind: &str) -> Vec<&OrgLights> {
        let kind = match kind {
            "county" => OrgKind::County,
            _ => OrgKind::Department,
        };
        let mut units: Vec<&OrgLights> = self
            .lights
            .iter()
            .filter(|l| l.kind == kind && (l.red > 0 || l.yellow > 0 || l.open_orders > 0))
            .collect();
        units.sort_by(|a, b| {
            (b.red, b.open_orders, b.yellow)
                .cmp(&(a.red, a.open_orders, a.yellow))
                .then(a.name.cmp(&b.name))
        });
        units.truncate(BEHIND_SHOWN);
        units
    }

    /// How many units of `kind` are behind in all (the column may show fewer).
    pub fn behind_count(&self, kind: &str) -> usize {
        let kind = match kind {
            "county" => OrgKind::County,
            _ => OrgKind::Department,
        };
        self.lights
            .iter()
            .filter(|l| l.kind == kind && (l.red > 0 || l.yellow > 0 || l.open_orders > 0))
            .count()
    }

    /// The bar's length for a part, out of 100 (an SVG attribute: the page's policy
    /// allows no inline styles).
    pub fn width(&self, percent: &f64) -> String {
        format!("{:.1}", percent.clamp(0.0, 100.0))
    }
}
