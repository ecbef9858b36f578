//! How a finding's proposed deduction is decided on the item's scoring page: accepted (a
//! deduction citing the finding) or set aside with a reason.
