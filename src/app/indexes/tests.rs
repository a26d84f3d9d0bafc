//! State tests of `indexes.rs`.
