//! The record made at a point: checklist answers, notes, time and place, saved as a draft
//! while the inspector types and submitted when complete; findings are written with it.
