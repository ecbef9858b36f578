//! The inspection plan of a round: points (点位), entered one by one, pasted, imported from
//! .xlsx, or drawn at random from a candidate list by 业态 quota.
