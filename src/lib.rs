//! blastradius: finds the tokens an AI coding agent could read, asks each
//! provider with read-only calls what the token really is and what it can
//! destroy, and scores each finding's blast radius 0–100 with the reasons.
//!
//! The pipeline: [`scan`] (walk + detect) → [`context`] (offline evidence) →
//! [`assess`] (introspect with [`providers`], score with [`scoring`]) →
//! [`report`].

pub mod agent_view;
pub mod allow;
pub mod app;
pub mod assess;
pub mod baseline;
pub mod cli;
pub mod config;
pub mod context;
pub mod detectors;
pub mod diff;
pub mod docgen;
pub mod error;
pub mod exposure;
#[doc(hidden)]
pub mod fuzzing;
pub mod gitleaks;
pub mod history;
pub mod home;
pub mod init;
pub mod model;
pub mod policy;
pub mod progress;
pub mod providers;
pub mod report;
pub mod scan;
pub mod scoring;
pub mod secret;
pub mod staged;
