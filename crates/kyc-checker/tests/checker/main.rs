//! The checker's behaviour on images drawn in code. One binary, one module
//! per area, so the suite links once.

mod files;
mod fixtures;
mod fuzz;
mod pages;
mod quality;
