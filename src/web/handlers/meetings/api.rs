//! `GET /api/v1/meetings?kind=&org=&from=&to=&page=`: the register, read only, for every
//! signed-in user and API token (the pages' readers): each meeting with its attending
//! units and its decisions, and what each decision became.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Query, State};
use serde_json::{Value, json};

use super::{ListQuery, PAGE_SIZE};
use crate::meetings::{self, Decision};
use crate::web::AppState;
use crate::web::context::CurrentUser;
use crate::web::current::campaign;
use crate::web::error::AppResult;
use crate::web::paging::Paging;

fn became(d: &Decision) -> Value {
    if let Some(task) = d.task_id {
        json!({
            "task": {
                "id": task,
                "work": d.task_work,
                "indicator": d.task_indicator,
                "programme_id": d.task_programme_id,
                "organisation": { "id": d.task_organisation_id, "name": d.task_organisation_name },
                "status": d.task_status,
                "due_on": d.task_due_on,
            }
        })
    } else if let Some(milestone) = d.milestone_id {
        json!({
            "milestone": {
                "id": milestone,
                "programme": { "id": d.milestone_programme_id, "label": d.milestone_programme },
                "title": d.milestone_title,
                "due_on": d.milestone_due_on,
                "done_on": d.milestone_done_on,
            }
        })
    } else {
        Value::Null
    }
}

pub async fn list(
    State(state): State<AppState>,
    CurrentUser(_user): CurrentUser,
    Query(query): Query<ListQuery>,
) -> AppResult<Json<Value>> {
    let campaign = campaign(&state).await?;
    let filter = query.filter();
    let paging = Paging::parse(&query.page, PAGE_SIZE);
    let (rows, total) = tokio::try_join!(
        meetings::list(&state.db, campaign.id, &filter, paging.size, paging.offset),
        meetings::count(&state.db, campaign.id, &filter),
    )?;
    let ids: Vec<i64> = rows.iter().map(|m| m.id).collect();
    let (attendees, decisions) = tokio::try_join!(
        meetings::attendees(&state.db, &ids),
        meetings::decisions(&state.db, &ids),
    )?;
    let mut attending: HashMap<i64, Vec<Value>> = HashMap::new();
    for a in &attendees {
        attending
            .entry(a.meeting_id)
            .or_default()
            .push(json!({ "id": a.organisation_id, "name": a.name }));
    }
    let mut taken: HashMap<i64, Vec<Value>> = HashMap::new();
    for d in &decisions {
        taken.entry(d.meeting_id).or_default().push(json!({
            "id": d.id,
            "seq": d.seq,
            "text": d.text,
            "owner": d.owner_id.map(|id| json!({ "id": id, "name": d.owner_name })),
            "deadline": d.deadline,
            "became": became(d),
        }));
    }
    let list: Vec<Value> = rows
        .iter()
        .map(|m| {
            json!({
                "id": m.id,
                "kind": m.kind,
                "kind_name": m.kind.official(),
                "held_on": m.held_on,
                "title": m.title,
                "chair": m.chair,
                "convener": { "id": m.convener_id, "name": m.convener_name },
                "summary": m.summary,
                "attending": attending.remove(&m.id).unwrap_or_default(),
                "decisions": taken.remove(&m.id).unwrap_or_default(),
            })
        })
        .collect();
    Ok(Json(json!({
        "total": total,
        "page": paging.page,
        "page_size": PAGE_SIZE,
        "meetings": list,
    })))
}
