//! Integration tests: inspections (issue 14).
