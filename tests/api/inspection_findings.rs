//! Integration tests: inspection_findings (issue 14).
