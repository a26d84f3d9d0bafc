//! wallet-tui: a terminal UI for a DynamoDB user-wallet table.
//!
//! The shape: terminal events, worker replies and ticks become [`msg::Msg`]s;
//! [`app::App::update`] turns each into new state plus [`msg::Job`]s (a request and the table
//! session it belongs to) for the [`worker`], which owns the SDK client and answers each with
//! [`msg::Reply`]s; [`ui::render`] draws the state.

pub mod aggregate;
pub mod app;
pub mod balance;
pub mod capacity;
pub mod cli;
pub mod config;
pub mod demo;
pub mod error;
pub mod export;
#[cfg(test)]
mod fixtures;
pub mod form;
pub mod import;
pub mod index;
pub mod journal;
pub mod json;
pub mod keymap;
pub mod list;
pub mod local;
pub mod marks;
pub mod memory;
pub mod msg;
pub mod private;
pub mod query;
pub mod server_filter;
pub mod stream;
pub mod table;
pub mod target;
pub mod text;
pub mod theme;
pub mod ui;
pub mod usage;
pub mod wallet;
pub mod worker;
pub mod write;
