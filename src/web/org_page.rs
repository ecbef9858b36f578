//! Parts of an organisation's admin page that more than one handler answers with (the
//! organisation form's handlers and the robots'), so that handlers need not call each
//! other.

use super::AppState;
use super::error::AppResult;
use super::pages::{RobotView, WebhookFormValues, WebhookSection};

/// Deliveries listed per robot.
const DELIVERIES_SHOWN: i64 = 5;

/// The 工作群通知 section: the organisation's robots with their latest deliveries, and the
/// robot form with `values` and `errors`.
pub async fn webhook_section(
    state: &AppState,
    organisation_id: i64,
    values: WebhookFormValues,
    errors: Vec<String>,
) -> AppResult<WebhookSection> {
    let robots = crate::webhooks::list_for_organisation(&state.db, organisation_id).await?;
    let ids: Vec<i64> = robots.iter().map(|r| r.id).collect();
    let mut deliveries =
        crate::webhooks::recent_deliveries(&state.db, &ids, DELIVERIES_SHOWN).await?;
    let robots = robots
        .into_iter()
        .map(|robot| {
            let (own, rest) = deliveries
                .drain(..)
                .partition(|d: &crate::webhooks::Delivery| d.webhook_id == robot.id);
            deliveries = rest;
            RobotView {
                robot,
                deliveries: own,
            }
        })
        .collect();
    Ok(WebhookSection {
        robots,
        values: WebhookFormValues {
            vendor: if values.vendor.is_empty() {
                "wecom".into()
            } else {
                values.vendor
            },
            ..values
        },
        errors,
        digest_minutes: state.config.webhooks.digest_minutes,
    })
}
