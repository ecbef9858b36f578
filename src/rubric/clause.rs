//! The clauses by which a responsibility cell names the 食药安委's members as a class.
//! The verbatim cell stays the source of truth: the clause is read from it each time,
//! never stored beside it, so a corrected cell corrects the expansion.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberClause {
    /// 市食药安委各成员单位: every member.
    All,
    /// 市食药安委有关成员单位: the members the office picks for the indicator.
    Relevant,
    /// 市食药安委其他（有关）成员单位: every member the same cell does not name.
    Others,
}

impl MemberClause {
    /// The clause a responsibility cell contains, if any. 其他 is looked for first, since
    /// 其他有关成员单位 also contains 有关成员单位.
    pub fn parse(cell: &str) -> Option<MemberClause> {
        let cell: String = cell.chars().filter(|c| !c.is_whitespace()).collect();
        if cell.contains("其他有关成员单位") || cell.contains("其他成员单位") {
            Some(MemberClause::Others)
        } else if cell.contains("有关成员单位") {
            Some(MemberClause::Relevant)
        } else if cell.contains("各成员单位") {
            Some(MemberClause::All)
        } else {
            None
        }
    }

    /// How a task made by this clause records where it came from (`tasks.expansion`).
    pub fn expansion(self) -> &'static str {
        match self {
            MemberClause::All => "all_members",
            MemberClause::Relevant => "relevant_members",
            MemberClause::Others => "other_members",
        }
    }

    /// The words of the clause as the cell writes them, for the indicator page.
    pub fn words(self) -> &'static str {
        match self {
            MemberClause::All => "市食药安委各成员单位",
            MemberClause::Relevant => "市食药安委有关成员单位",
            MemberClause::Others => "市食药安委其他（有关）成员单位",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::MemberClause;

    #[test]
    fn reads_the_clauses_as_the_cells_write_them() {
        assert_eq!(
            MemberClause::parse("市食安办、市食药安委各成员单位、市纪委监委；各县（区）"),
            Some(MemberClause::All)
        );
        assert_eq!(
            MemberClause::parse("市食安办、市卫生健康委、市食药安委有关成员单位；各县（区）"),
            Some(MemberClause::Relevant)
        );
        assert_eq!(
            MemberClause::parse(
                "市林草局、市市场监管局、市农业农村局、市公安局、市食药安委其他有关成员单位；各县（区）"
            ),
            Some(MemberClause::Others)
        );
        assert_eq!(
            MemberClause::parse("市食安办, 市食药安委各成员单位; 各县(区)"),
            Some(MemberClause::All)
        );
        // 等食品安全监管部门 names no class of members: the named bodies carry the work.
        assert_eq!(
            MemberClause::parse("市发展改革委、市公安局、市农业农村局等食品安全监管部门; 各县(区)"),
            None
        );
    }
}
