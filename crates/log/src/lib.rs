//! meanfield-log
