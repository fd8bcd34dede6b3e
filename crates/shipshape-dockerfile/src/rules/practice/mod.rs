//! Build practices (the correctness, security and size checks hadolint is known for), each
//! mapped to the checklist item it protects.

super::register! {}
