//! `GET /api/v1/rounds/{id}/inspections`: the round's plan, read only, with the page's
//! visibility (暗访 points filtered out in SQL for the city before publication).

use axum::Json;
use axum::extract::{Path, State};
use serde_json::{Value, json};

use crate::inspections::plan::{self, Counts};
use crate::inspections::{self, Visibility};
use crate::scoring::rounds;
use crate::web::AppState;
use crate::web::access::InspectionPolicy;
use crate::web::context::CurrentUser;
use crate::web::current::campaign;
use crate::web::error::{AppError, AppResult};

pub async fn round_inspections(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<Value>> {
    InspectionPolicy::can_see(&user)?;
    let campaign = campaign(&state).await?;
    let round = rounds::find(&state.db, id)
        .await?
        .filter(|r| r.campaign_id == campaign.id)
        .ok_or(AppError::NotFound)?;
    let vis = inspections::visibility(&state.db, &user, &round).await?;
    let points = plan::points(&state.db, round.id, vis).await?;
    let counts = Counts::of(&points);
    let list: Vec<Value> = points
        .iter()
        .map(|p| {
            json!({
                "id": p.id,
                "seq": p.seq,
                "county": p.county_name,
                "county_id": p.county_id,
                "town": p.town,
                "unit": p.unit_name,
                "address": p.address,
                "kind_code": p.kind_code,
                "mode": p.mode,
                "planned_on": p.planned_on,
                "group": p.group_name,
                "assessors": p.assessor_names,
                "findings_count": p.findings_count,
            })
        })
        .collect();
    let mut body = json!({ "round": round.id, "points": list, "open": counts.open });
    // The count of 暗访 points is itself hidden from those who may not see them.
    if vis == Visibility::All {
        body["unannounced"] = json!(counts.unannounced);
    }
    Ok(Json(body))
}
