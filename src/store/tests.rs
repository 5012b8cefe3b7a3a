//! The store's operations on a local folder and on an in-memory object store, which share
//! their promises.
