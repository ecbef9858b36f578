//! Integration tests against the real server and a real PostgreSQL. All in one binary
//! (one build, one throwaway cluster).

mod access;
mod admin;
mod auth;
mod bulletins;
mod city_targets;
mod cli;
mod committee_members;
mod dashboards;
mod demo;
mod evidence_library;
mod evidence_preview;
mod exports;
mod hardening_audit;
mod hardening_auth;
mod hardening_ops;
mod hardening_uploads;
mod inspection_findings;
mod inspection_plan;
mod inspection_plan_import;
mod inspections;
mod interviews;
mod json_api;
mod meetings;
mod meetings_register;
mod org_evaluations;
mod organisations_joining;
mod problems;
mod publicity;
mod reports;
mod round_lifecycle;
mod rubric;
mod scoring;
mod search;
mod support;
mod tasks;
