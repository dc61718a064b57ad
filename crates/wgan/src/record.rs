//! Loading burnpack records in the dtype of the module they load into (a leaf module shared
//! by the checkpoints and the optimiser states).

use std::path::Path;

use burn::module::Module;
use burn::store::{ModuleRecord, RecordError};

/// `module` with the burnpack record in `path`, each tensor cast to the dtype of `module`'s.
///
/// # Errors
/// A missing or corrupt file, or one of other names or shapes.
pub(crate) fn load_in_dtype<M: Module>(
    module: M,
    path: &Path,
) -> std::result::Result<M, RecordError> {
    module.try_load_record(ModuleRecord::load(path)?.cast_to_module_dtype())
}
