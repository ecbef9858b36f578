//! Shian (食安创建): the campaign platform for the national food-safety demonstration
//! city rubric. `main.rs` is a thin shim over [`cli::run`].

pub mod accounts;
pub mod app;
pub mod audit;
pub mod backup;
pub mod bulletins;
pub mod campaigns;
pub mod cli;
pub mod config;
pub mod dashboard;
pub mod db;
pub mod demo;
pub mod derived;
pub mod evidence;
pub mod exports;
pub mod i18n;
pub mod inspections;
pub mod mail;
pub mod meetings;
pub mod notifications;
pub mod org_evaluations;
pub mod orgs;
pub mod plans;
pub mod problems;
pub mod programmes;
pub mod publicity;
pub mod reports;
pub mod rubric;
pub mod scoring;
pub mod search;
pub mod storage;
pub mod supervision;
pub mod targets;
pub mod tasks;
pub mod web;
pub mod webhooks;
