//! 问题整改: the problem list. Every accepted deduction, every inspection finding, every
//! 市级考评 deduction and every problem the office raises becomes a problem for one
//! organisation, with a deadline, answered with 整改措施 and evidence, verified and closed
//! (销号) or returned.
