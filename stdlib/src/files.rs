//! Standard-library family `files` (functions are added by the standard-library work).

use crate::Function;

/// This family's functions, for the registry.
pub(crate) fn functions() -> Vec<Function> {
    Vec::new()
}
