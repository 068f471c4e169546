//! The crate's one error type.
//!
//! Data errors carry the file, the row (1-based, counting data rows only) and
//! the column, never the offending value: the values are personal data and
//! must not end up in logs.

use std::path::PathBuf;

/// Everything that can go wrong in the library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A flag, argument or configuration value is wrong. Exit code 2.
    #[error("{0}")]
    Usage(String),

    /// A file could not be read, created or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// An input file is readable but its content is wrong: a missing column,
    /// a wrong column type, an unknown or duplicate id. Exit code 1.
    #[error("{path}{}: {message}", location(*row, column.as_deref()))]
    Data {
        path: PathBuf,
        /// 1-based data row, when the problem is in one row.
        row: Option<u64>,
        column: Option<String>,
        message: String,
    },

    /// Parquet or Arrow reported a problem with a file.
    #[error("{path}: {message}")]
    Format { path: PathBuf, message: String },
}

fn location(row: Option<u64>, column: Option<&str>) -> String {
    match (row, column) {
        (Some(r), Some(c)) => format!(", row {r}, column '{c}'"),
        (Some(r), None) => format!(", row {r}"),
        (None, Some(c)) => format!(", column '{c}'"),
        (None, None) => String::new(),
    }
}

impl Error {
    /// A usage/config error with a message that says what to do.
    pub fn usage(message: impl Into<String>) -> Error {
        Error::Usage(message.into())
    }

    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub fn data(path: impl Into<PathBuf>, message: impl Into<String>) -> Error {
        Error::Data {
            path: path.into(),
            row: None,
            column: None,
            message: message.into(),
        }
    }

    pub fn data_at(
        path: impl Into<PathBuf>,
        row: Option<u64>,
        column: Option<&str>,
        message: impl Into<String>,
    ) -> Error {
        Error::Data {
            path: path.into(),
            row,
            column: column.map(str::to_owned),
            message: message.into(),
        }
    }

    pub fn format(path: impl Into<PathBuf>, err: impl std::fmt::Display) -> Error {
        Error::Format {
            path: path.into(),
            message: err.to_string(),
        }
    }

    /// The process exit code for this error: 2 for usage and configuration
    /// problems (including output paths that cannot be written), 1 for
    /// problems in the data.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_) => 2,
            Error::Io { .. } => 2,
            Error::Data { .. } | Error::Format { .. } => 1,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_error_names_file_row_and_column() {
        let e = Error::data_at("x.csv", Some(7), Some("date_of_birth"), "not a date");
        assert_eq!(
            e.to_string(),
            "x.csv, row 7, column 'date_of_birth': not a date"
        );
        assert_eq!(e.exit_code(), 1);
        assert_eq!(Error::usage("bad").exit_code(), 2);
    }
}
