//! What a planned point's names are matched against: the edition's kinds of
//! establishment (业态) and the round's assessor groups (检查组) with their assessors
//! (检查人员).

use sqlx::PgPool;

use crate::rubric::data::EstablishmentKind;

/// An assessor or a group, by id and the name lists use.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Member {
    pub id: i64,
    pub name: String,
}

/// One of the round's assessor groups and its active assessors.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TeamGroup {
    pub id: i64,
    pub name: String,
    pub assessors: Vec<Member>,
}

/// The round's assessor groups: those that score something in it (its assignments).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Team {
    pub groups: Vec<TeamGroup>,
}

impl Team {
    pub async fn of_round(db: &PgPool, round_id: i64) -> sqlx::Result<Team> {
        let groups: Vec<(i64, String)> = sqlx::query_as(
            "SELECT o.id, o.name FROM organisations o \
             WHERE o.kind = 'assessor_group' AND o.active \
               AND o.id IN (SELECT group_id FROM round_assignments WHERE round_id = $1) \
             ORDER BY o.sort_order, o.id",
        )
        .bind(round_id)
        .fetch_all(db)
        .await?;
        let ids: Vec<i64> = groups.iter().map(|g| g.0).collect();
        let users: Vec<(i64, String, i64)> = sqlx::query_as(
            "SELECT id, display_name, organisation_id FROM users \
             WHERE role = 'assessor' AND active AND organisation_id = ANY($1) \
             ORDER BY display_name, id",
        )
        .bind(&ids)
        .fetch_all(db)
        .await?;
        Ok(Team {
            groups: groups
                .into_iter()
                .map(|(id, name)| TeamGroup {
                    id,
                    name,
                    assessors: users
                        .iter()
                        .filter(|u| u.2 == id)
                        .map(|u| Member {
                            id: u.0,
                            name: u.1.clone(),
                        })
                        .collect(),
                })
                .collect(),
        })
    }

    pub fn group(&self, id: i64) -> Option<&TeamGroup> {
        self.groups.iter().find(|g| g.id == id)
    }

    pub fn group_named(&self, name: &str) -> Option<&TeamGroup> {
        let name = name.trim();
        self.groups.iter().find(|g| g.name == name)
    }
}

/// The edition's kinds and the round's team, for checking points.
#[derive(Debug, Clone, Copy)]
pub struct Lookup<'a> {
    pub kinds: &'a [EstablishmentKind],
    pub team: &'a Team,
}

static NO_TEAM: Team = Team { groups: Vec::new() };

impl<'a> Lookup<'a> {
    pub fn new(kinds: &'a [EstablishmentKind], team: &'a Team) -> Lookup<'a> {
        Lookup { kinds, team }
    }

    /// No kinds and no groups: kinds are kept as typed, and any group is refused.
    pub fn bare() -> Lookup<'static> {
        Lookup {
            kinds: &[],
            team: &NO_TEAM,
        }
    }

    /// The edition's kind a typed 业态 names: its code, its name, an alias, or one of
    /// the alternatives its name joins ("农贸市场" for 农贸市场（食用农产品集中交易市场）).
    pub fn kind(&self, text: &str) -> Option<&'a EstablishmentKind> {
        crate::rubric::data::kind_named(self.kinds, text)
    }

    /// The code stored for a typed 业态: the edition's code when it names one, else the
    /// text as typed (lists use local names the edition does not know).
    pub fn kind_code(&self, text: &str) -> String {
        self.kind(text)
            .map(|k| k.code.clone())
            .unwrap_or_else(|| text.trim().to_string())
    }

    /// The name shown for a stored kind code.
    pub fn kind_name(&self, code: &str) -> String {
        self.kinds
            .iter()
            .find(|k| k.code == code)
            .map(|k| k.name.clone())
            .unwrap_or_else(|| code.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rubric::data::{BUNDLED_2021, RubricFile};

    #[test]
    fn kinds_are_found_by_code_name_or_short_name() {
        let rubric = RubricFile::parse(BUNDLED_2021).unwrap();
        let team = Team::default();
        let lookup = Lookup::new(&rubric.establishment_kinds, &team);
        assert_eq!(lookup.kind_code("学校食堂"), "school-canteen");
        assert_eq!(lookup.kind_code(" school-canteen "), "school-canteen");
        assert_eq!(lookup.kind_code("农贸市场"), "farmers-market");
        assert_eq!(lookup.kind_code("夜市摊点"), "夜市摊点");
        assert_eq!(lookup.kind_code("大型超市"), "supermarket", "an alias");
        assert_eq!(lookup.kind_code("中央厨房"), "central-kitchen");
        assert_eq!(
            lookup.kind_name("farmers-market"),
            "农贸市场（食用农产品集中交易市场）"
        );
        assert_eq!(lookup.kind_name("夜市摊点"), "夜市摊点");
    }
}
