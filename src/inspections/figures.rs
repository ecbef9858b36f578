//! The figures the evaluation report's 组织实施情况 states, computed from the records.
