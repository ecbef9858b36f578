//! Integration tests: problems (issue 14).
