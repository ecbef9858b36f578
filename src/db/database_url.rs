//! `DATABASE_URL` in every form libpq documents, rewritten into the one form both sqlx
//! and libpq's own tools (`pg_dump`, `pg_restore`) read the same way.
//!
//! sqlx 0.8 parses the URL with the `url` crate, which refuses an empty host when the URL
//! carries a user name (`postgres://postgres@/shian?host=/run/postgresql` — "empty host"),
//! although libpq and sqlx's own documentation use exactly that form for a Unix socket.
//! sqlx itself understands a socket folder given as `?host=/dir` or as a percent-encoded
//! host (`%2Frun%2Fpostgresql`), so every socket form is rewritten to
//! `postgres://user@localhost/db?host=/dir`: the nominal `localhost` is overridden by the
//! `host` parameter in both sqlx and libpq.

use std::path::Path;

use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum UrlError {
    #[error("it must start with postgres:// or postgresql://")]
    Scheme,
    #[error("its socket folder is not valid UTF-8 after percent-decoding")]
    SocketEncoding,
}

/// Socket folders libpq and sqlx look in when a URL names no host (Debian's first).
const DEFAULT_SOCKET_DIRS: &[&str] = &["/var/run/postgresql", "/run/postgresql", "/tmp"];

/// Rewrites `url` so that sqlx's parser accepts it and means what libpq means by it.
/// URLs with an ordinary host come back unchanged apart from the scheme.
pub fn normalise(url: &str) -> Result<String, UrlError> {
    let rest = url
        .strip_prefix("postgresql://")
        .or_else(|| url.strip_prefix("postgres://"))
        .ok_or(UrlError::Scheme)?;
    // The authority ends at the first '/', '?' or '#'.
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    // The password may contain '@' only percent-encoded; the last '@' ends the user info.
    let (userinfo, hostport) = match authority.rfind('@') {
        Some(at) => (Some(&authority[..at]), &authority[at + 1..]),
        None => (None, authority),
    };
    let (host, port) = split_port(hostport);
    let (path, query) = match tail.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (tail, None),
    };
    let has_host_parameter = query.is_some_and(|q| {
        q.split('&')
            .any(|pair| pair.split('=').next() == Some("host"))
    });

    let socket_dir = if host.is_empty() {
        if has_host_parameter {
            None
        } else {
            Some(default_socket_dir(port))
        }
    } else if host.starts_with('/') || host.to_ascii_lowercase().starts_with("%2f") {
        let decoded = percent_encoding::percent_decode_str(host)
            .decode_utf8()
            .map_err(|_| UrlError::SocketEncoding)?;
        Some(decoded.into_owned())
    } else {
        return Ok(format!("postgres://{rest}"));
    };

    let mut out = String::from("postgres://");
    if let Some(userinfo) = userinfo {
        out.push_str(userinfo);
        out.push('@');
    }
    out.push_str("localhost");
    if let Some(port) = port {
        out.push(':');
        out.push_str(port);
    }
    out.push_str(path);
    let mut parameters: Vec<String> = Vec::new();
    let socket_from_host = socket_dir.is_some();
    if let Some(dir) = socket_dir {
        // A folder given as the host wins over a `host` parameter, as in libpq.
        parameters.push(format!("host={}", encode_component(&dir)));
    }
    if let Some(query) = query {
        parameters.extend(
            query
                .split('&')
                .filter(|pair| !pair.is_empty())
                .filter(|pair| !(socket_from_host && pair.split('=').next() == Some("host")))
                .map(str::to_string),
        );
    }
    if !parameters.is_empty() {
        out.push('?');
        out.push_str(&parameters.join("&"));
    }
    Ok(out)
}

/// `host:port`, `[v6]:port`, or a host alone.
fn split_port(hostport: &str) -> (&str, Option<&str>) {
    if let Some(end) = hostport.rfind(']') {
        return match hostport[end + 1..].strip_prefix(':') {
            Some(port) => (&hostport[..=end], Some(port)),
            None => (hostport, None),
        };
    }
    match hostport.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => (host, Some(port)),
        _ => (hostport, None),
    }
}

/// What libpq does for a URL without a host: `PGHOST`, else the folder that holds the
/// server's socket, else the compiled-in default (Debian's `/var/run/postgresql`).
fn default_socket_dir(port: Option<&str>) -> String {
    if let Ok(host) = std::env::var("PGHOST")
        && !host.is_empty()
    {
        return host;
    }
    let socket = format!(".s.PGSQL.{}", port.unwrap_or("5432"));
    DEFAULT_SOCKET_DIRS
        .iter()
        .find(|dir| Path::new(dir).join(&socket).exists())
        .unwrap_or(&DEFAULT_SOCKET_DIRS[0])
        .to_string()
}

fn encode_component(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::postgres::PgConnectOptions;

    fn options(url: &str) -> PgConnectOptions {
        normalise(url)
            .unwrap_or_else(|e| panic!("{url}: {e}"))
            .parse()
            .unwrap_or_else(|e| panic!("{url}: {e}"))
    }

    fn socket(url: &str) -> Option<String> {
        options(url).get_socket().map(|p| p.display().to_string())
    }

    #[test]
    fn empty_host_with_user_and_host_parameter() {
        let o = options("postgres://postgres@/shian?host=/srv/pg%20run");
        assert_eq!(o.get_socket().unwrap().display().to_string(), "/srv/pg run");
        assert_eq!(o.get_username(), "postgres");
        assert_eq!(o.get_database(), Some("shian"));
    }

    #[test]
    fn postgresql_scheme_is_accepted() {
        assert_eq!(
            socket("postgresql://postgres@/shian?host=/var/run/postgresql").as_deref(),
            Some("/var/run/postgresql")
        );
        let o = options("postgresql://app:secret@db.example:6543/shian");
        assert_eq!(o.get_host(), "db.example");
        assert_eq!(o.get_port(), 6543);
        assert!(o.get_socket().is_none());
    }

    #[test]
    fn percent_encoded_socket_host() {
        let o = options("postgres://%2Fvar%2Frun%2Fpostgresql/shian");
        assert_eq!(
            o.get_socket().unwrap().display().to_string(),
            "/var/run/postgresql"
        );
        assert_eq!(o.get_database(), Some("shian"));
        let o = options("postgres://shian:p%40ss@%2ftmp%2fpg:5433/shian?sslmode=disable");
        assert_eq!(o.get_socket().unwrap().display().to_string(), "/tmp/pg");
        assert_eq!(o.get_port(), 5433);
        assert_eq!(o.get_username(), "shian");
    }

    #[test]
    fn localhost_with_host_parameter_is_unchanged() {
        let url = "postgres://postgres@localhost/shian?host=/tmp/x";
        assert_eq!(normalise(url).unwrap(), url);
        assert_eq!(socket(url).as_deref(), Some("/tmp/x"));
    }

    #[test]
    fn no_host_at_all_uses_the_default_socket_folder() {
        let o = options("postgres:///shian");
        let dir = o.get_socket().expect("a socket folder");
        assert!(dir.is_absolute(), "{}", dir.display());
        assert_eq!(o.get_database(), Some("shian"));
        let o = options("postgres://postgres@:5434/shian");
        assert!(o.get_socket().is_some());
        assert_eq!(o.get_port(), 5434);
    }

    #[test]
    fn ordinary_hosts_pass_through() {
        let o = options("postgres://u:pw@10.0.0.5/shian?sslmode=require");
        assert_eq!(o.get_host(), "10.0.0.5");
        assert!(o.get_socket().is_none());
        let o = options("postgres://u@[::1]:5432/shian");
        assert_eq!(o.get_host(), "[::1]");
    }

    #[test]
    fn a_socket_host_wins_over_a_host_parameter() {
        assert_eq!(
            socket("postgres://u@%2Fa/shian?host=/b&sslmode=disable").as_deref(),
            Some("/a")
        );
    }

    #[test]
    fn other_schemes_are_refused() {
        assert_eq!(normalise("mysql://u@h/db"), Err(UrlError::Scheme));
    }
}
