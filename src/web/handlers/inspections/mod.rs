//! A round's on-site inspections (明查暗访): the plan page with its paste form, and the
//! plan in the JSON API. Who may plan is [`crate::web::access::InspectionPolicy`]; which
//! points a reader sees is [`crate::inspections::Visibility`], applied in SQL.

pub mod api;
mod plan;

pub use plan::{paste, plan};
