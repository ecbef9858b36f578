//! The rules' cases, without a database.

use super::*;
use crate::orgs::OrgKind;

fn org(id: i64, name: &str, kind: OrgKind) -> Organisation {
    Organisation {
        id,
        name: name.into(),
        kind,
        sort_order: 0,
        active: true,
        joined_on: None,
        member: false,
        unit_review: false,
    }
}

fn choices() -> Choices {
    Choices {
        organisations: vec![
            org(1, "市食安办", OrgKind::Office),
            org(2, "市市场监管局", OrgKind::Department),
            org(3, "卡若区", OrgKind::County),
            org(4, "第一评审组", OrgKind::AssessorGroup),
        ],
        indicators: vec![(46, 460), (85, 850)],
        programmes: vec![(7, "工程3".into(), "农贸市场提升工程".into())],
    }
}

fn input<'a>(attending: &'a [String]) -> MeetingInput<'a> {
    MeetingInput {
        kind: "monthly",
        held_on: "2026年11月5日",
        title: " 11月调度会 ",
        chair: "副市长 张某",
        convener_id: "1",
        attending,
        summary: "",
        decisions: "一、加快整改\n\n二、按月报送\n",
    }
}

#[test]
fn a_meeting_needs_date_title_kind_and_units() {
    let attending = vec!["2".to_string(), "4".to_string(), "2".to_string()];
    let meeting = NewMeeting::check(&input(&attending), &choices()).unwrap();
    assert_eq!(meeting.kind, Kind::Monthly);
    assert_eq!(
        meeting.held_on,
        NaiveDate::from_ymd_opt(2026, 11, 5).unwrap()
    );
    assert_eq!(meeting.title, "11月调度会");
    // An assessor group may attend; each unit once.
    assert_eq!(meeting.attending, vec![2, 4]);
    assert_eq!(meeting.decisions, vec!["一、加快整改", "二、按月报送"]);

    let unknown = vec!["99".to_string()];
    let bad = MeetingInput {
        kind: "weekly",
        held_on: "",
        title: "  ",
        convener_id: "4",
        ..input(&unknown)
    };
    assert_eq!(
        NewMeeting::check(&bad, &choices()).unwrap_err(),
        vec![
            Refusal::UnknownKind,
            Refusal::NoDate,
            Refusal::NoTitle,
            Refusal::ConvenerNotAUnit,
            Refusal::AttendingInactive,
        ]
    );
    let garbled = MeetingInput {
        held_on: "明天",
        ..input(&[])
    };
    assert_eq!(
        NewMeeting::check(&garbled, &choices()).unwrap_err(),
        vec![Refusal::BadDate]
    );
}

#[test]
fn decisions_and_what_they_become() {
    let held_on = NaiveDate::from_ymd_opt(2026, 11, 5).unwrap();
    let decision = NewDecision::check(
        &DecisionInput {
            text: "卡若区完成快检室建设",
            owner_id: "3",
            deadline: "2026-12-31",
        },
        held_on,
        &choices(),
    )
    .unwrap();
    assert_eq!(decision.owner_id, Some(3));
    assert_eq!(
        NewDecision::check(
            &DecisionInput {
                text: "",
                owner_id: "4",
                deadline: "2026-11-01",
            },
            held_on,
            &choices(),
        )
        .unwrap_err(),
        vec![
            Refusal::NoDecisionText,
            Refusal::OwnerNotAUnit,
            Refusal::DeadlineBeforeMeeting
        ]
    );

    let standing = Standing {
        held_on,
        text: "卡若区完成快检室建设",
        became: false,
    };
    let task = TaskInput {
        indicator: "第85项",
        programme_id: "",
        owner_id: "3",
        deadline: "2026-12-31",
        text: "",
    };
    let made = TaskFromDecision::check(&task, standing, &choices()).unwrap();
    assert_eq!(
        made.work,
        Work::Indicator {
            id: 850,
            number: 85
        }
    );
    assert_eq!(made.text, "卡若区完成快检室建设");
    let on_programme = TaskInput {
        indicator: "",
        programme_id: "7",
        ..task
    };
    assert_eq!(
        TaskFromDecision::check(&on_programme, standing, &choices())
            .unwrap()
            .work,
        Work::Programme { id: 7 }
    );
    let bad = TaskInput {
        indicator: "85",
        programme_id: "7",
        owner_id: "",
        deadline: "",
        text: "",
    };
    assert_eq!(
        TaskFromDecision::check(&bad, standing, &choices()).unwrap_err(),
        vec![Refusal::BothTargets, Refusal::NoOwner, Refusal::NoDeadline]
    );
    let unknown = TaskInput {
        indicator: "95",
        owner_id: "4",
        programme_id: "",
        ..task
    };
    assert_eq!(
        TaskFromDecision::check(&unknown, standing, &choices()).unwrap_err(),
        vec![Refusal::UnknownIndicator, Refusal::OwnerNotAUnit]
    );
    let became = Standing {
        became: true,
        ..standing
    };
    assert_eq!(
        TaskFromDecision::check(&task, became, &choices()).unwrap_err(),
        vec![Refusal::AlreadyBecame]
    );

    let milestone = MilestoneInput {
        programme_id: "7",
        title: "",
        due_on: "2027-01-15",
    };
    let made = MilestoneFromDecision::check(&milestone, standing, &choices()).unwrap();
    assert_eq!(made.title, "卡若区完成快检室建设");
    assert_eq!(made.programme_id, 7);
    let none = MilestoneInput {
        programme_id: "8",
        ..milestone
    };
    assert_eq!(
        MilestoneFromDecision::check(&none, standing, &choices()).unwrap_err(),
        vec![Refusal::UnknownProgramme]
    );
}
