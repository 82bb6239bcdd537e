//! Typed errors of the library. The binary prints them with their causes and
//! exits 2.

use std::path::PathBuf;

/// A detector file or detector that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum DetectorError {
    /// The file could not be read.
    #[error("cannot read detector file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not valid TOML or does not follow the schema.
    #[error("detector file {file}: {message}")]
    Parse {
        /// The file name.
        file: String,
        /// The TOML error, with line and column.
        message: String,
    },
    /// A detector is invalid.
    #[error("detector {id}: {reason}")]
    Invalid {
        /// Its id.
        id: String,
        /// What is wrong.
        reason: String,
    },
}

/// A configuration file or command-line value that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The configuration file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The configuration file is invalid.
    #[error("config file {path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the line.
        message: String,
    },
    /// `BLASTRADIUS_API_REDIRECT` is not a loopback `http://` URL.
    #[error("BLASTRADIUS_API_REDIRECT refused: {0} (only http://127.0.0.0/8, http://[::1] or http://localhost are allowed)")]
    Redirect(String),
    /// A path to scan does not exist.
    #[error("path does not exist: {0}")]
    MissingPath(PathBuf),
}
