//! Full-text search inside evidence files (placeholder while the query is written).

pub mod extract;
pub mod query;
pub mod terms;
pub mod worker;
