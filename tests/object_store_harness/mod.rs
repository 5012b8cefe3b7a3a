//! The object-storage servers of the harness (moto's S3 server, [`crate::common::s3`], and
//! Azurite, [`crate::common::azurite`]) checked
//! for what a0snap's object-storage output relies on, through the same `object_store` client:
//! a round trip, conditional creates and updates, multipart uploads visible while in progress,
//! a bucket that does not exist, and a user whose policy forbids writing. Each test also pins
//! the `object_store::Error` variant the server gives, the one a0snap's messages are built on.

mod azurite;
mod s3;
