//! A round's on-site inspections (明查暗访): the plan page with its paste, spreadsheet and
//! random-draw forms, one point's edit and removal, and the plan in the JSON API. Who may
//! plan is [`crate::web::access::InspectionPolicy`]; which points a reader sees is
//! [`crate::inspections::Visibility`], applied in SQL.

pub mod api;
mod draw;
mod import;
mod plan;
mod points;

pub use draw::{confirm as confirm_draw, draw};
pub use import::import;
pub use plan::{paste, plan};
pub use points::{delete as delete_point, edit as edit_point, edit_form as edit_point_form};
