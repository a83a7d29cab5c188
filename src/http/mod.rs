//! The HTTP edge: turning hyper requests into decoded inputs and handler
//! results back into hyper responses.

mod field;
pub mod parse_errors;
pub mod request;
pub mod response;
