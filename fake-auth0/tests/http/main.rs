//! fake-auth0 over real loopback HTTP: shapes against the recordings, paging, tokens, rate
//! limits, faults and counters. One test binary, so the suite links once.

mod assertion;
mod auth;
mod exports;
mod faults;
mod limits;
mod paging;
mod recordings;
mod shape;
mod support;
