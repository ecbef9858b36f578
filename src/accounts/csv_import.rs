//! Bulk creation of accounts from a CSV file (as exported by Excel or WPS).
//!
//! Columns, by header name (English or Chinese): username/用户名, display_name/姓名,
//! role/角色, organisation/单位 (optional for roles that need none), password/密码
//! (optional: a temporary one is generated). The import is all-or-nothing: any bad line
//! rejects the whole file, and every problem is reported with its line number.

use std::collections::HashSet;

use sqlx::PgPool;

use super::{NewUser, Role, password};
use crate::orgs;

pub const MAX_ROWS: usize = 2000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    NotText,
    MissingColumn(&'static str),
    Empty,
    TooManyRows,
    BadUsername(String),
    DuplicateInFile(String),
    UsernameTaken(String),
    MissingDisplayName,
    UnknownRole(String),
    UnknownOrganisation(String),
    OrganisationRequired,
    OrganisationNotAllowed(String),
    WeakPassword,
    BadEmail(String),
    Malformed(String),
    /// A control character (NUL, escape, …) that no name or password contains; the
    /// value is its code point, shown as U+XXXX.
    ControlCharacter(u32),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineProblem {
    /// 1-based line in the file (the header is line 1); 0 for the file as a whole.
    pub line: usize,
    pub problem: Problem,
}

#[derive(Debug, Clone)]
pub struct Row {
    pub line: usize,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub organisation: String,
    pub password: String,
    pub email: String,
}

/// An account created by the import; `temporary_password` is shown once to the admin.
#[derive(Debug, Clone)]
pub struct Created {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub organisation: Option<String>,
    pub temporary_password: Option<String>,
}

/// Decodes UTF-8 (with or without BOM) or, failing that, GB18030 — Chinese Excel's default.
pub fn decode(bytes: &[u8]) -> Result<String, LineProblem> {
    let (text, _, had_errors) = encoding_rs::UTF_8.decode(bytes);
    if !had_errors {
        return Ok(text.into_owned());
    }
    let (text, _, had_errors) = encoding_rs::GB18030.decode(bytes);
    if had_errors || text.contains('\0') {
        return Err(LineProblem {
            line: 0,
            problem: Problem::NotText,
        });
    }
    Ok(text.into_owned())
}

/// At most this many lines with control characters are listed; the rest are alike.
const MAX_CONTROL_LINES: usize = 20;

/// Refuses NUL and the other control characters (tab, CR and LF are layout), naming
/// each line (as an editor counts them) that holds one. PostgreSQL cannot store NUL in
/// text, and the others are invisible in the form and in every list of users.
pub fn check_characters(text: &str) -> Result<(), Vec<LineProblem>> {
    let problems: Vec<LineProblem> = text
        .split('\n')
        .enumerate()
        .filter_map(|(index, line)| {
            line.chars()
                .find(|c| c.is_control() && !matches!(c, '\t' | '\r'))
                .map(|c| LineProblem {
                    line: index + 1,
                    problem: Problem::ControlCharacter(c as u32),
                })
        })
        .take(MAX_CONTROL_LINES)
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// The text with control characters shown as U+FFFD, to put back into the form: the
/// admin keeps everything else and sees where the bad bytes were.
pub fn visible(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() && !matches!(c, '\t' | '\r' | '\n') {
                char::REPLACEMENT_CHARACTER
            } else {
                c
            }
        })
        .collect()
}

pub fn parse(text: &str) -> Result<Vec<Row>, Vec<LineProblem>> {
    check_characters(text)?;
    let whole = |problem| vec![LineProblem { line: 0, problem }];
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| whole(Problem::Malformed(e.to_string())))?
        .clone();
    let column = |names: &[&str]| {
        headers
            .iter()
            .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
    };
    let username_col = column(&["username", "用户名", "账号"])
        .ok_or_else(|| whole(Problem::MissingColumn("username")))?;
    let name_col = column(&["display_name", "name", "姓名"])
        .ok_or_else(|| whole(Problem::MissingColumn("display_name")))?;
    let role_col =
        column(&["role", "角色"]).ok_or_else(|| whole(Problem::MissingColumn("role")))?;
    let org_col = column(&["organisation", "organization", "org", "单位", "所属单位"]);
    let password_col = column(&["password", "密码", "初始密码"]);
    let email_col = column(&["email", "e-mail", "邮箱", "电子邮箱"]);

    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(LineProblem {
                    line,
                    problem: Problem::Malformed(e.to_string()),
                });
                continue;
            }
        };
        if record.iter().all(str::is_empty) {
            continue;
        }
        let field = |col: Option<usize>| col.and_then(|c| record.get(c)).unwrap_or("").to_string();
        rows.push(Row {
            line,
            username: field(Some(username_col)),
            display_name: field(Some(name_col)),
            role: field(Some(role_col)),
            organisation: field(org_col),
            password: field(password_col),
            email: field(email_col),
        });
    }
    if rows.is_empty() && problems.is_empty() {
        return Err(whole(Problem::Empty));
    }
    if rows.len() > MAX_ROWS {
        return Err(whole(Problem::TooManyRows));
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

/// Role names as clerks write them in a spreadsheet.
fn parse_role(text: &str) -> Option<Role> {
    Role::parse(text).or(match text.trim() {
        "管理员" | "系统管理员" => Some(Role::Admin),
        "创建办" | "市食安办" | "食安办" => Some(Role::Office),
        "部门" | "县区" | "部门/县区" | "填报员" => Some(Role::Department),
        "评审专家" | "专家" | "评审" => Some(Role::Assessor),
        "领导" | "只读" => Some(Role::Viewer),
        _ => None,
    })
}

/// Validates every row against the database and creates all accounts in one
/// transaction, or none.
pub async fn import(
    db: &PgPool,
    rows: Vec<Row>,
) -> anyhow::Result<Result<Vec<Created>, Vec<LineProblem>>> {
    let mut problems = Vec::new();
    let mut seen = HashSet::new();
    let mut planned = Vec::new();
    for row in rows {
        let mut report = |problem| {
            problems.push(LineProblem {
                line: row.line,
                problem,
            })
        };
        if !super::valid_username(&row.username) {
            report(Problem::BadUsername(row.username.clone()));
        } else if !seen.insert(row.username.to_lowercase()) {
            report(Problem::DuplicateInFile(row.username.clone()));
        }
        if row.display_name.is_empty() {
            report(Problem::MissingDisplayName);
        }
        let role = parse_role(&row.role);
        if role.is_none() {
            report(Problem::UnknownRole(row.role.clone()));
        }
        let org = if row.organisation.is_empty() {
            None
        } else {
            match orgs::find_by_name_or_alias(db, &row.organisation).await? {
                Some(org) => Some(org),
                None => {
                    report(Problem::UnknownOrganisation(row.organisation.clone()));
                    None
                }
            }
        };
        if let Some(role) = role {
            if role.requires_org() && row.organisation.is_empty() {
                report(Problem::OrganisationRequired);
            }
            if let Some(org) = &org
                && !role.allowed_org_kinds().contains(&org.kind)
            {
                report(Problem::OrganisationNotAllowed(org.name.clone()));
            }
        }
        if !row.email.is_empty() && !super::valid_email(&row.email) {
            report(Problem::BadEmail(row.email.clone()));
        }
        if !row.password.is_empty()
            && password::check_strength(&row.password, &row.username).is_err()
        {
            report(Problem::WeakPassword);
        }
        planned.push((row, role, org));
    }

    let usernames: Vec<String> = planned
        .iter()
        .map(|(r, _, _)| r.username.to_lowercase())
        .collect();
    let taken: Vec<String> =
        sqlx::query_scalar("SELECT username FROM users WHERE lower(username) = ANY($1)")
            .bind(&usernames)
            .fetch_all(db)
            .await?;
    for (row, _, _) in &planned {
        if taken.iter().any(|t| t.eq_ignore_ascii_case(&row.username)) {
            problems.push(LineProblem {
                line: row.line,
                problem: Problem::UsernameTaken(row.username.clone()),
            });
        }
    }
    if !problems.is_empty() {
        problems.sort_by_key(|p| p.line);
        return Ok(Err(problems));
    }

    let mut tx = db.begin().await?;
    let mut created = Vec::new();
    for (row, role, org) in planned {
        let role = role.expect("validated above");
        let (password, temporary) = if row.password.is_empty() {
            let generated = password::generate();
            (generated.clone(), Some(generated))
        } else {
            (row.password.clone(), None)
        };
        let new = NewUser {
            username: row.username.clone(),
            display_name: row.display_name.clone(),
            role,
            organisation_id: org.as_ref().map(|o| o.id),
            password_hash: password::hash(password).await?,
            // Everyone picks their own password at first login, whoever chose this one.
            must_change_password: true,
            email: Some(row.email.clone()).filter(|e| !e.is_empty()),
        };
        let id = super::insert(&mut *tx, &new).await?;
        created.push(Created {
            id,
            username: row.username,
            display_name: row.display_name,
            role,
            organisation: org.map(|o| o.name),
            temporary_password: temporary,
        });
    }
    tx.commit().await?;
    Ok(Ok(created))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_refused_with_their_line() {
        let text =
            "用户名,姓名,角色\nclerk1,张\u{0}三,部门\r\nclerk2,李四,部门\nclerk3,王\u{1b}五,部门\n";
        let problems = parse(text).unwrap_err();
        assert_eq!(
            problems,
            vec![
                LineProblem {
                    line: 2,
                    problem: Problem::ControlCharacter(0)
                },
                LineProblem {
                    line: 4,
                    problem: Problem::ControlCharacter(0x1b)
                },
            ]
        );
        assert_eq!(
            visible(text),
            "用户名,姓名,角色\nclerk1,张\u{fffd}三,部门\r\nclerk2,李四,部门\nclerk3,王\u{fffd}五,部门\n"
        );
        assert!(check_characters("a\tb\r\nc\n").is_ok());
    }

    #[test]
    fn parses_chinese_headers_and_skips_blank_lines() {
        let text = "\u{feff}用户名,姓名,角色,单位\nclerk1,张三,部门,市农业农村局\n,,,\nboss,李四,viewer,\n";
        let text = decode(text.as_bytes()).unwrap();
        let rows = parse(text.trim_start_matches('\u{feff}')).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[0].organisation, "市农业农村局");
        assert_eq!(rows[1].line, 4);
        assert_eq!(parse_role(&rows[0].role), Some(Role::Department));
    }

    #[test]
    fn decodes_gb18030() {
        let (bytes, _, _) = encoding_rs::GB18030.encode("用户名,姓名,角色\nu1,王五,领导\n");
        let text = decode(&bytes).unwrap();
        assert!(text.contains("王五"));
    }

    #[test]
    fn missing_columns_and_empty_files_are_explained() {
        let err = parse("username,role\nu1,admin\n").unwrap_err();
        assert_eq!(err[0].problem, Problem::MissingColumn("display_name"));
        let err = parse("username,display_name,role\n").unwrap_err();
        assert_eq!(err[0].problem, Problem::Empty);
    }
}
