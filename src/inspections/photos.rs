//! Photos taken at a point, uploaded one at a time and attached to findings.
