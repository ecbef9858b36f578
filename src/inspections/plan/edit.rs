//! Changing one planned point ([`Change`]) or taking it out of the plan ([`Removal`]).
//! A point where something was recorded (a record, a finding, a photo) stays: removing
//! it would remove what was recorded with it. Its 业态 stays too, since the record's
//! checklist is the kind's.

use sqlx::PgPool;

use super::{NewPoint, Point, PointRefusal, set_assessors};

/// What was recorded at a point.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct Usage {
    pub record: bool,
    pub findings: i64,
    pub photos: i64,
}

impl Usage {
    pub fn is_empty(&self) -> bool {
        !self.record && self.findings == 0 && self.photos == 0
    }
}

pub async fn usage(db: impl sqlx::PgExecutor<'_>, point_id: i64) -> sqlx::Result<Usage> {
    sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM inspection_records WHERE point_id = $1) AS record, \
                (SELECT COUNT(*) FROM inspection_findings WHERE point_id = $1) AS findings, \
                (SELECT COUNT(*) FROM inspection_photos WHERE point_id = $1) AS photos",
    )
    .bind(point_id)
    .fetch_one(db)
    .await
}

/// A checked change of a point. Built only by [`Change::check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    point_id: i64,
    to: NewPoint,
}

impl Change {
    /// `to` is the point as the form has it, already checked as a [`NewPoint`].
    pub fn check(point: &Point, usage: Usage, to: NewPoint) -> Result<Change, Vec<PointRefusal>> {
        if !usage.is_empty() && to.kind_code != point.kind_code {
            return Err(vec![PointRefusal::KindRecorded]);
        }
        Ok(Change {
            point_id: point.id,
            to,
        })
    }

    pub fn point(&self) -> &NewPoint {
        &self.to
    }
}

/// Why a point may not be taken out of the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemovalRefusal {
    HasRecord,
    HasFindings,
    HasPhotos,
}

impl RemovalRefusal {
    pub fn as_str(self) -> &'static str {
        match self {
            RemovalRefusal::HasRecord => "has_record",
            RemovalRefusal::HasFindings => "has_findings",
            RemovalRefusal::HasPhotos => "has_photos",
        }
    }

    pub fn message_key(self) -> &'static str {
        match self {
            RemovalRefusal::HasRecord => "plan-delete-refused-record",
            RemovalRefusal::HasFindings => "plan-delete-refused-findings",
            RemovalRefusal::HasPhotos => "plan-delete-refused-photos",
        }
    }
}

/// A checked removal of a point. Built only by [`Removal::check`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Removal {
    point_id: i64,
}

impl Removal {
    pub fn check(point: &Point, usage: Usage) -> Result<Removal, Vec<RemovalRefusal>> {
        let refusals = removal_refusals(usage);
        if refusals.is_empty() {
            Ok(Removal { point_id: point.id })
        } else {
            Err(refusals)
        }
    }
}

fn removal_refusals(usage: Usage) -> Vec<RemovalRefusal> {
    let mut refusals = Vec::new();
    if usage.record {
        refusals.push(RemovalRefusal::HasRecord);
    }
    if usage.findings > 0 {
        refusals.push(RemovalRefusal::HasFindings);
    }
    if usage.photos > 0 {
        refusals.push(RemovalRefusal::HasPhotos);
    }
    refusals
}

/// Saves a change; the county is linked again by name. Returns false when the point is
/// gone meanwhile.
pub async fn update(db: &PgPool, change: &Change) -> sqlx::Result<bool> {
    let mut tx = db.begin().await?;
    let p = &change.to;
    let done = sqlx::query(
        "UPDATE inspection_points SET \
           county_id = (SELECT id FROM organisations WHERE kind = 'county' AND active AND name = $2), \
           county_name = $2, town = $3, unit_name = $4, address = $5, kind_code = $6, mode = $7, \
           planned_on = $8, group_id = $9 \
         WHERE id = $1",
    )
    .bind(change.point_id)
    .bind(&p.county_name)
    .bind(&p.town)
    .bind(&p.unit_name)
    .bind(&p.address)
    .bind(&p.kind_code)
    .bind(p.mode)
    .bind(p.planned_on)
    .bind(p.group.as_ref().map(|g| g.id))
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if done {
        set_assessors(&mut tx, change.point_id, &p.assessors).await?;
    }
    tx.commit().await?;
    Ok(done)
}

/// Takes the point out of the plan. Checked again under the point's lock (a record
/// being made meanwhile waits for it, and is then refused by the missing point), since
/// deleting the point would delete what was recorded at it.
pub async fn delete(
    db: &PgPool,
    removal: Removal,
) -> sqlx::Result<Result<(), Vec<RemovalRefusal>>> {
    let mut tx = db.begin().await?;
    let locked: Option<i64> =
        sqlx::query_scalar("SELECT id FROM inspection_points WHERE id = $1 FOR UPDATE")
            .bind(removal.point_id)
            .fetch_optional(&mut *tx)
            .await?;
    if locked.is_none() {
        return Ok(Ok(()));
    }
    let refusals = removal_refusals(usage(&mut *tx, removal.point_id).await?);
    if !refusals.is_empty() {
        return Ok(Err(refusals));
    }
    sqlx::query("DELETE FROM inspection_points WHERE id = $1")
        .bind(removal.point_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Ok(()))
}

#[cfg(test)]
mod tests {
    use super::super::Lookup;
    use super::super::parse::PointInput;
    use super::*;
    use crate::inspections::Mode;

    fn point() -> Point {
        Point {
            id: 7,
            seq: 1,
            county_id: None,
            county_name: "城关区".into(),
            town: String::new(),
            unit_name: "甲单位".into(),
            address: String::new(),
            kind_code: "school-canteen".into(),
            mode: Mode::Open,
            planned_on: None,
            group_id: None,
            group_name: None,
            assessor_ids: Vec::new(),
            assessor_names: Vec::new(),
            findings_count: 0,
            recorded: false,
        }
    }

    fn to(kind: &str) -> NewPoint {
        let input = PointInput {
            county: "城关区",
            unit: "甲单位（改）",
            kind,
            mode: "明查",
            ..Default::default()
        };
        NewPoint::check(&input, &Lookup::bare()).unwrap()
    }

    #[test]
    fn a_recorded_point_keeps_its_kind_and_stays() {
        let recorded = Usage {
            record: true,
            findings: 2,
            photos: 0,
        };
        assert!(Change::check(&point(), recorded, to("school-canteen")).is_ok());
        assert_eq!(
            Change::check(&point(), recorded, to("catering")).unwrap_err(),
            vec![PointRefusal::KindRecorded]
        );
        assert!(Change::check(&point(), Usage::default(), to("catering")).is_ok());
        assert_eq!(
            Removal::check(&point(), recorded).unwrap_err(),
            vec![RemovalRefusal::HasRecord, RemovalRefusal::HasFindings]
        );
        let photos = Usage {
            photos: 1,
            ..Default::default()
        };
        assert_eq!(
            Removal::check(&point(), photos).unwrap_err(),
            vec![RemovalRefusal::HasPhotos]
        );
        assert!(Removal::check(&point(), Usage::default()).is_ok());
    }
}
